"""Processes and connections: workers, respawn, signals, keep-alive, listeners, logs."""

import os
import re
import signal
import socket
import time

import lib


def hello(**kw):
    return lib.App("hello", file="hello.js", hosts="hello.localhost", **kw)


def ok(s, **kw):
    r = s.get("/", host="hello.localhost", **kw)
    assert r.status == 200 and r.text == "hello", r
    return r


def test_workers_are_children():
    with lib.Nanod([hello()], workers=3) as s:
        pids = s.wait_workers(3)
        assert s.pid not in pids
        ok(s)


def test_workers_auto():
    with lib.Nanod([hello()], workers="auto") as s:
        counts = {os.cpu_count(), len(os.sched_getaffinity(0))}
        pids = lib.wait_until(lambda: len(s.worker_pids()) in counts and s.worker_pids(),
                              lib.timeout(10), "as many workers as CPUs (%s)" % counts)
        assert len(pids) in counts, pids
        ok(s)


def test_sigkill_worker_respawns():
    with lib.Nanod([hello()], workers=2) as s:
        pids = s.wait_workers(2)
        victim = pids[0]
        t_kill = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        # The service keeps answering while one worker is dead (one retry per request
        # for a connection that the dying worker had already accepted).
        for i in range(30):
            r = s.get("/", host="hello.localhost", retry=1)
            assert r.status == 200 and r.text == "hello", (i, r)
        new = s.wait_workers(2, timeout_s=lib.timeout(10), exclude=[victim])
        took = time.monotonic() - t_kill
        assert victim not in new and pids[1] in new, (pids, new)
        assert took < lib.timeout(5) + 1, "respawn took %.1fs" % took
        # The supervisor logged the death, with the signal.
        def death(o):
            t = str(o)
            return str(victim) in t and re.search(r"SIGKILL|KILL|signal", t, re.I) and \
                re.search(r"\b9\b|KILL", t, re.I)
        s.wait_log(death, what="a line about worker %d killed by signal 9" % victim)
        for _ in range(10):
            ok(s, retry=1)


def test_sigkill_both_workers_respawn():
    with lib.Nanod([hello()], workers=2) as s:
        pids = s.wait_workers(2)
        for p in pids:
            os.kill(p, signal.SIGKILL)
        new = s.wait_workers(2, timeout_s=lib.timeout(10), exclude=pids)
        assert not set(new) & set(pids), (pids, new)
        lib.wait_until(lambda: _ok_quiet(s), lib.timeout(5), "a 200 after respawn")
        for _ in range(10):
            ok(s, retry=1)


def _ok_quiet(s):
    try:
        return s.get("/", host="hello.localhost", retry=1).status == 200
    except OSError:
        return False


def stop_with(sig, **kw):
    with lib.Nanod([hello()], workers=2, **kw) as s:
        pids = s.wait_workers(2)
        ok(s)
        t0 = time.monotonic()
        rc = s.stop(sig)        # asserts exit 0 and that no worker is left
        took = time.monotonic() - t0
        assert rc == 0
        assert not [p for p in pids if lib.alive(p)], "workers left: %s" % pids
        assert took < lib.timeout(5), "%s took %.1fs" % (signal.Signals(sig).name, took)
        try:
            lib.request(s.port, host="hello.localhost", timeout_s=2)
        except OSError:
            pass
        else:
            raise AssertionError("still answering on port %d after exit" % s.port)


def test_sigterm_exits_0():
    stop_with(signal.SIGTERM)


def test_sigint_exits_0():
    stop_with(signal.SIGINT)


def test_sigterm_with_idle_keepalive_connection():
    """An idle keep-alive connection does not hold shutdown for graceful_timeout."""
    with lib.Nanod([hello()], workers=1, server_extra={"graceful_timeout": "30s"}) as s:
        conn = s.connection()
        try:
            r = lib.conn_request(conn, "GET", "/", host="hello.localhost")
            assert r.status == 200, r
            t0 = time.monotonic()
            s.stop(signal.SIGTERM)
            took = time.monotonic() - t0
            assert took < lib.timeout(5), "SIGTERM with an idle connection took %.1fs" % took
        finally:
            conn.close()


def test_keepalive():
    with lib.Nanod([hello()], workers=1) as s:
        conn = s.connection()
        try:
            local = None
            for i in range(6):
                r = lib.conn_request(conn, "GET", "/k%d" % i, host="hello.localhost")
                assert r.status == 200 and r.text == "hello", (i, r)
                assert r.header("connection", "").lower() != "close", r
                name = conn.sock.getsockname() if conn.sock else None
                assert name is not None, "server closed the connection after request %d" % i
                if local is None:
                    local = name
                assert name == local, "request %d went on a new connection" % i
        finally:
            conn.close()


def test_pipelining_in_order():
    app = lib.App("resp", file="responses.js", hosts="resp.localhost")
    with lib.Nanod([app], workers=1) as s:
        req = (b"GET /status HTTP/1.1\r\nHost: resp.localhost\r\n\r\n"
               b"GET /promise HTTP/1.1\r\nHost: resp.localhost\r\n\r\n"
               b"GET /teapot HTTP/1.1\r\nHost: resp.localhost\r\nConnection: close\r\n\r\n")
        out = s.raw(req)
        rs = lib.parse_responses(out)
        got = [(r.status, r.body) for r in rs]
        assert got == [(201, b"created"), (200, b"resolved"), (418, b"short and stout")], out


def test_connection_close_honoured():
    with lib.Nanod([hello()], workers=1) as s:
        out = s.raw(b"GET / HTTP/1.1\r\nHost: hello.localhost\r\nConnection: close\r\n\r\n",
                    timeout_s=lib.timeout(5))
        rs = lib.parse_responses(out)
        assert len(rs) == 1 and rs[0].status == 200 and rs[0].body == b"hello", out


def test_http10():
    with lib.Nanod([hello()], workers=1) as s:
        out = s.raw(b"GET / HTTP/1.0\r\nHost: hello.localhost\r\n\r\n", timeout_s=lib.timeout(5))
        rs = lib.parse_responses(out)
        assert len(rs) == 1 and rs[0].status == 200 and rs[0].body == b"hello", out


def test_bad_request_400():
    with lib.Nanod([hello()], workers=1) as s:
        out = s.raw(b"GARBAGE\r\n\r\n", timeout_s=lib.timeout(5))
        rs = lib.parse_responses(out)
        assert rs and rs[0].status == 400, out
        ok(s)


def test_listen_multiple():
    with lib.Nanod([hello()], workers=2, listens=2) as s:
        for port in s.ports:
            r = s.get("/", host="hello.localhost", port=port)
            assert r.status == 200 and r.text == "hello", (port, r)


def test_second_nanod_on_same_port_refuses():
    """SO_REUSEPORT must not let a second (or stale) nanod split the port's
    traffic: it refuses to start, naming the address, and the first serves on."""
    with lib.Nanod([hello()], workers=1) as s:
        other = os.path.join(s.dir, "other.ini")
        with open(s.config_path) as f:
            text = f.read().replace(s.log_path, os.path.join(s.dir, "other.log"))
        with open(other, "w") as f:
            f.write(text)
        r = lib.run_cli(["-c", other], cwd=s.dir)
        assert r.rc == 1, r
        log = lib.tail(os.path.join(s.dir, "other.log"))
        assert "already in use" in log and "127.0.0.1:%d" % s.port in log, log
        ok(s)


def test_admin_port_in_use_refuses_and_frees_everything():
    """admin_listen on a port another process holds: nanod names it, exits 1
    and (under ASan) leaks nothing of the generation it had already made. A
    port race in the test harness hit that path once and LeakSanitizer failed
    an unrelated test."""
    with lib.Nanod([hello()], workers=1) as s:
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        try:
            other = os.path.join(s.dir, "other.ini")
            with open(s.config_path) as f:
                text = f.read().replace(s.log_path, os.path.join(s.dir, "other.log"))
            text = text.replace("127.0.0.1:%d" % s.port, "127.0.0.1:%d" % lib.free_port())
            text = text.replace("[server]\n", "[server]\nadmin_listen = 127.0.0.1:%d\n"
                                % holder.getsockname()[1], 1)
            with open(other, "w") as f:
                f.write(text)
            r = lib.run_cli(["-c", other], cwd=s.dir)
        finally:
            holder.close()
        assert r.rc == 1, r
        log = lib.tail(os.path.join(s.dir, "other.log"))
        assert "cannot listen on admin_listen" in log and "already in use" in log, log
        ok(s)


def test_ready_means_listening():
    """After "ready" the port accepts at once (no sleep)."""
    with lib.Nanod([hello()], workers=2) as s:
        c = socket.create_connection(("127.0.0.1", s.port), timeout=lib.timeout(5))
        c.close()
        ok(s)


def test_error_log_is_json_lines():
    apps = [hello(), lib.App("bad", file="bad.js", hosts="bad.localhost")]
    with lib.Nanod(apps, workers=2) as s:
        ok(s)
        assert s.get("/throw", host="bad.localhost").status == 500
        s.stop()
        objs, bad = lib.read_json_lines(s.log_path)
        assert not bad, "non-JSON lines in the error log: %r" % bad[:5]
        assert objs, "empty error log"
        for o in objs:
            for k in ("ts", "level", "pid", "msg"):
                assert k in o, "log line without %r: %r" % (k, o)
            assert o["level"] in ("debug", "info", "warn", "error"), o
        pids = {o["pid"] for o in objs}
        assert s.pid in pids or str(s.pid) in pids, "no line from the supervisor"
