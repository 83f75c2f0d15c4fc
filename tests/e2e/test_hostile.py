"""Hostile input (issue 11): slow clients, connection floods, response
splitting from JS, cross-tenant reads."""

import signal
import socket
import threading
import time

import lib


def hostile_server(**server_extra):
    apps = [lib.App("a", file="hostile_app.js", hosts="a.test", env={"SECRET": "alpha"}),
            lib.App("b", file="hostile_app.js", hosts="b.test", env={"SECRET": "beta"})]
    server = {"client_header_timeout": "2s", "keepalive_timeout": "5s"}
    server.update(server_extra)
    return lib.Nanod(apps, workers=1, server_extra=server)


def timed_get(s, host="a.test"):
    t0 = time.monotonic()
    r = s.get("/", host=host)
    return r, (time.monotonic() - t0) * 1000


def test_idle_connections_and_slowloris_do_not_delay_others():
    """200 idle connections and a slowloris (a header line every 100 ms) do
    not delay the worker's other requests. Judged against a control: a second
    server, same config, no hostile clients, its requests alternating with the
    hostile one's so both see the same box. (A bare "every request < 100 ms"
    failed when the box was busy: the scheduler, not the server, added
    120-270 ms to one request in 20.) A server that waited on the slowloris
    stalls requests by its drips (100 ms) or its 2 s client_header_timeout,
    one that spent CPU on the idle ones shows it in the worker's CPU."""
    with hostile_server() as s, hostile_server() as ctl:
        assert s.get("/", host="a.test").status == 200      # the heap is loaded: warm
        assert ctl.get("/", host="a.test").status == 200
        idle = []
        for _ in range(200):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            idle.append(c)
        # A slowloris client: a header line every 100 ms, never finishing.
        slow = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        slow.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\n")
        stop = threading.Event()

        def drip():
            i = 0
            while not stop.is_set():
                try:
                    slow.sendall(b"X-%d: y\r\n" % i)
                except OSError:
                    return
                i += 1
                time.sleep(0.1)
        t = threading.Thread(target=drip, daemon=True)
        t.start()
        try:
            pid, cpid = s.worker_pids()[0], ctl.worker_pids()[0]
            c0, cc0 = lib.thread_cpu_ms(pid), lib.thread_cpu_ms(cpid)
            ms, cms = [], []
            t0 = time.monotonic()
            # 1 s of requests at least: ten drips of the slowloris
            while len(ms) < 20 or time.monotonic() - t0 < 1:
                for srv, out in ((s, ms), (ctl, cms)):
                    r, took = timed_get(srv)
                    assert r.status == 200, r
                    out.append(took)
            cpu = (lib.thread_cpu_ms(pid) - c0) / len(ms)
            ccpu = (lib.thread_cpu_ms(cpid) - cc0) / len(cms)
            ms.sort()
            cms.sort()
            lib.note("%d requests with 200 idle + 1 slowloris: median %.1f ms, worst %.1f ms, "
                     "%.2f ms worker CPU each; control: median %.1f, worst %.1f, %.2f ms CPU" % (
                         len(ms), ms[len(ms) // 2], ms[-1], cpu, cms[len(cms) // 2], cms[-1],
                         ccpu))
            assert ms[-1] < lib.timeout(1) * 1000, "a request took %.1f ms" % ms[-1]
            assert ms[len(ms) // 2] < 2 * cms[len(cms) // 2] + 10, (ms, cms)
            # the hostile clients' reads: microseconds per drip, none per idle
            assert cpu < 2 * ccpu + 0.5, (cpu, ccpu)
            # The slowloris is cut off by client_header_timeout (2 s): 408 + close.
            slow.settimeout(5)
            got = b""
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                try:
                    chunk = slow.recv(4096)
                except OSError:
                    break
                if not chunk:
                    break
                got += chunk
            assert got.startswith(b"HTTP/1.1 408"), got[:100]
        finally:
            stop.set()
            for c in idle:
                c.close()
            slow.close()


def test_max_connections_refused_cleanly():
    with hostile_server(max_connections="20") as s:
        held = [socket.create_connection(("127.0.0.1", s.port), timeout=5) for _ in range(20)]
        try:
            time.sleep(0.2)
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            c.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
            data = c.recv(4096)
            c.close()
            assert data.startswith(b"HTTP/1.1 503"), data[:100]
        finally:
            for h in held:
                h.close()
        # Capacity comes back once they are gone.
        r = lib.wait_until(lambda: s.get("/", host="a.test").status == 200, 5, "capacity back")
        assert r


def test_no_response_splitting_from_js():
    with hostile_server() as s:
        r = s.get("/split", host="a.test")
        assert r.status == 200, r
        got = r.json()
        for k in ("crlfValue", "lfValue", "nulValue", "badName", "colonName", "setCrlf"):
            assert got[k] == "TypeError", (k, got)
        for k in ("status101", "status600", "status199"):
            assert got[k] == "RangeError", (k, got)
        assert "set-cookie" not in r.headers


def test_upgrade_from_app_not_sent():
    with hostile_server() as s:
        r = s.get("/upgrade", host="a.test")
        assert r.status == 200, r
        assert "upgrade" not in r.headers, r
        assert r.headers.get("connection", "").lower() != "upgrade", r


def test_tenants_cannot_see_each_other():
    with hostile_server() as s:
        assert s.get("/set", host="a.test").text == "set"
        a = s.get("/", host="a.test").json()
        b = s.get("/", host="b.test").json()
        assert a["sawSecret"] == "alpha" and a["envSecret"] == "alpha", a
        assert b["sawSecret"] is None and b["envSecret"] == "beta", b
        assert b["probe"] == 1, "globals are shared between apps: %r" % b


def test_secrets_never_logged():
    with hostile_server() as s:
        s.get("/set", host="a.test")
        s.get("/", host="b.test")
        s.get("/split", host="a.test")
        with open(s.log_path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        assert "alpha" not in text and "beta" not in text, text[-2000:]


def test_script_symlink_escape_refused():
    """A script symlinked outside the config's directory is a config error
    (its lines would be quoted in syntax errors), unless allowed; links that
    stay inside (a ConfigMap's ..data) are fine."""
    import os
    with lib.tempdir() as d:
        os.mkdir(os.path.join(d, "apps"))
        os.mkdir(os.path.join(d, "..data"))
        with open(os.path.join(d, "..data", "in.js"), "w") as f:
            f.write(lib.read_app("limits_good.js"))
        os.symlink(os.path.join(d, "..data", "in.js"), os.path.join(d, "apps", "in.js"))
        os.symlink("/etc/passwd", os.path.join(d, "apps", "out.js"))
        ini = os.path.join(d, "apps.ini")

        def write(extra, script):
            with open(ini, "w") as f:
                f.write("[server]\nlisten = 127.0.0.1:1\n%s\n[app:a]\nscript = %s\n"
                        "hosts = a.test\n" % (extra, script))
        write("", "apps/in.js")
        r = lib.run_cli(["-t", "-c", ini])
        assert r.rc == 0, r
        write("", "apps/out.js")
        r = lib.run_cli(["-t", "-c", ini])
        assert r.rc == 3, r             # an error of this app (it would run stale or failed)
        assert "%s:5: " % ini in r.stderr and "through a symlink" in r.stderr, r
        assert "root:" not in r.stderr, "the target's content leaked: %r" % r.stderr
        write("allow_symlink_escape = yes", "apps/out.js")
        r = lib.run_cli(["-t", "-c", ini])
        assert "through a symlink" not in r.stderr, r


def _uid_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    raise AssertionError("no Uid line for %d" % pid)


def test_workers_drop_privileges():
    """Started as root with user = nobody: the supervisor stays root (it owns
    the listeners and reloads), every worker runs as nobody, serves, and can
    still reopen its logs after a logrotate-style move."""
    import os
    import pwd
    if os.geteuid() != 0:
        raise lib.Skip("needs root")
    nobody = pwd.getpwnam("nobody")
    srv = hostile_server(user="nobody", group="nogroup")
    srv._start_on_enter = False
    with srv as s:
        os.chmod(s.dir, 0o755)          # mkdtemp's 0700 would keep nobody out of the logs'
                                        # directory: a start is refused then (test_tenant)
        s.start()
        pids = s.wait_workers(1)
        assert _uid_of(s.pid) == 0
        assert [_uid_of(p) for p in pids] == [nobody.pw_uid], pids
        assert s.get("/", host="a.test").status == 200
        os.rename(s.log_path, s.log_path + ".1")
        s.send_signal(signal.SIGUSR1)
        lib.wait_until(lambda: os.path.exists(s.log_path), 5, "a new error log")
        st = os.stat(s.log_path)
        assert st.st_uid == nobody.pw_uid
        assert st.st_mode & 0o027 == 0, "log file mode %o" % (st.st_mode & 0o777)
        time.sleep(0.3)                 # the workers' REOPEN
        s.stop()                        # workers log "exits after N requests" on the way out
        assert any(o.get("role") == "worker" and "exits" in o.get("msg", "") for o in s.log()), \
            lib.tail(s.log_path)


def test_unknown_user_is_a_config_error():
    import os
    with lib.tempdir() as d:
        ini = os.path.join(d, "apps.ini")
        with open(ini, "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:1\nuser = no-such-user-xyz\n")
        r = lib.run_cli(["-t", "-c", ini])
        assert r.rc == 1 and "%s:3: unknown user" % ini in r.stderr, r


def _rss_kb(pid):
    with open("/proc/%d/statm" % pid) as f:
        return int(f.read().split()[1]) * 4


def test_no_leak_over_10000_requests_and_reloads():
    """10,000 requests on one worker (keep-alive and fresh connections, sync
    and async handlers, errors), then 5 reloads with traffic between them.
    Under ASan every worker that exits is checked by LeakSanitizer (the
    runner fails the test on any report); in the release build the worker's
    RSS must stay flat (within 5%) from its 3,000th to its 10,000th request
    (before that, allocator arenas and the heap warm up: measured plateau)."""
    app = lib.App("a", source="""
var n = 0;
module.exports = { fetch: function (request) {
    n++;
    var p = request.url.substring(request.url.indexOf("/", 8));
    if (p === "/async") {
        return new Promise(function (res) { setTimeout(function () { res(new Response("late")); }, 0); });
    }
    if (p === "/throw") { throw new Error("x"); }
    return request.text().then(function (t) { return Response.json({ n: n, t: t.length }); });
} };
""", hosts="a.test")
    paths = ["/", "/async", "/", "/throw"]

    def traffic(s, count, rss=None):
        conn = s.connection()
        for i in range(count):
            if rss is not None and i in rss:
                rss[i] = _rss_kb(s.worker_pids()[0])
            if i % 100 == 99:
                conn.close()
                conn = s.connection()
            r = lib.conn_request(conn, "POST" if i % 3 == 0 else "GET", paths[i % 4],
                                 host="a.test", body=b"x" * (i % 50) if i % 3 == 0 else None)
            assert r.status == (500 if paths[i % 4] == "/throw" else 200), (i, r)
        conn.close()

    with lib.Nanod([app], workers=1) as s:
        asan = "asan" in lib.nanod_path()
        rss = {3000: None, 9999: None}
        traffic(s, 10000, rss)
        for k in range(5):
            s.send_signal(signal.SIGUSR2)
            lib.wait_until(lambda: len([o for o in s.log() if "reload done" in
                                        o.get("msg", "")]) >= k + 1, 10, "reload %d" % (k + 1))
            traffic(s, 400)
        if not asan:
            lib.note("worker RSS: %r KB" % rss)
            assert rss[9999] <= rss[3000] * 1.05, "worker RSS grew: %r KB" % rss
        s.stop()


# 12,000 requests one after another (ASan): the verdict does not depend on
# time, but on a loaded box they ran past the 120 s per-test limit.
test_no_leak_over_10000_requests_and_reloads.timeout_s = 400
