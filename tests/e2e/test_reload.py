"""Graceful reload (issue 4): under load, bad edits, inotify, listeners, coalescing."""

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time

import lib


def two_apps(tag="v0"):
    return [lib.App("a", source=lib.const_app("a-" + tag), hosts="a.localhost"),
            lib.App("b", source=lib.const_app("b-" + tag), hosts="b.localhost")]


def script(s, name):
    return os.path.join(s.dir, "apps", "%s.js" % name)


def info(text):
    """One line of measurements in the test output (run.py prints it as is)."""
    print("    info %s: %s" % (lib.current_test(), text), flush=True)


def assert_clean(load, what):
    assert not load.errors and not load.bad, "%s: %s" % (what, load.summary())


def reload_under_load(by_signal, reloads=12, pause=0.8):
    # cpu_limit: a new worker's first request builds the app's heap, which under
    # ASan on a loaded machine can take more than the default 50 ms of CPU.
    extra = {"watch": "off" if by_signal else "on", "cpu_limit": "2s"}
    with lib.Nanod(two_apps(), workers=2, server_extra=extra) as s:
        hosts = ["a.localhost", "b.localhost"]
        keep = lib.Load(s.port, hosts, threads=4, keepalive=True).start()
        fresh = lib.Load(s.port, hosts, threads=2, keepalive=False).start()
        done = lib.msg_has("reload done")
        seen_ms, reload_ms = [], []
        try:
            lib.wait_until(lambda: keep.total() > 50 and fresh.total() > 20, lib.timeout(10),
                           "the load to get going")
            for i in range(1, reloads + 1):
                tag = "v%d" % i
                n = len(lib.log_lines(s, done))
                # Both apps change on every reload: a and b alternate between versions.
                lib.rewrite(script(s, "a"), lib.const_app("a-" + tag))
                lib.rewrite(script(s, "b"), lib.const_app("b-" + tag))
                t0 = time.monotonic()
                if by_signal:
                    s.send_signal(signal.SIGUSR2)
                line = lib.wait_log_count(s, done, n + 1, lib.timeout(10),
                                          "\"reload done\" lines")[n]
                reload_ms.append(int(line.get("reload_ms", -1)))

                def both_new():
                    return ("a-" + tag in keep.versions("a.localhost") and
                            "b-" + tag in keep.versions("b.localhost") and
                            "a-" + tag in fresh.versions("a.localhost") and
                            "b-" + tag in fresh.versions("b.localhost"))
                lib.wait_until(both_new, lib.timeout(5), "version %s served to the clients" % tag)
                seen_ms.append((time.monotonic() - t0) * 1000)
                time.sleep(pause)
        finally:
            keep.stop()
            fresh.stop()
        assert_clean(keep, "keep-alive clients")
        assert_clean(fresh, "one-connection-per-request clients")
        # Every version was served, and at the end only the last one is.
        for app in ("a", "b"):
            got = keep.versions("%s.localhost" % app)
            for i in range(reloads + 1):
                assert "%s-v%d" % (app, i) in got, ("%s-v%d never served" % (app, i), sorted(got))
            for _ in range(4):
                assert lib.body_of(s.port, "%s.localhost" % app) == "%s-v%d" % (app, reloads)
        assert keep.closes > 0, "no keep-alive connection was ever closed by a drain"
        gens = s.log()
        assert not [o for o in gens if "reload failed" in str(o.get("msg"))], \
            lib.tail(s.log_path, 40)
        info("%d reloads, reload_ms (signal/edit -> new generation ready, old draining) "
             "median %d max %d; until both clients saw the new version: median %.0f ms, max "
             "%.0f ms; %d requests ok (%d keep-alive, %d fresh), 0 errors" % (
                 reloads, statistics.median(reload_ms), max(reload_ms),
                 statistics.median(seen_ms), max(seen_ms), keep.ok + fresh.ok, keep.ok,
                 fresh.ok))


def test_reload_under_load_sigusr2():
    reload_under_load(by_signal=True)


def test_reload_under_load_inotify():
    reload_under_load(by_signal=False, reloads=10, pause=0.6)


def rewrite_config(s, apps, ports=None, server_extra=None):
    """Rewrites s's apps.ini (and scripts) like Nanod.write_config, with other listen
    ports or server keys."""
    extra = dict(s.server_extra)
    extra.update(server_extra or {})
    listen = ", ".join("127.0.0.1:%d" % p for p in (ports or s.ports))
    lib.make_config(s.dir, apps, listen, s.workers, s.log_path, extra)


def listener_inodes(port):
    """Inodes of the sockets listening on 127.0.0.1:port (ss when there: /proc/net/tcp
    is slow to read with thousands of TIME_WAIT entries)."""
    try:
        out = subprocess.run(["ss", "-Hltne", "sport = :%d" % port], capture_output=True,
                             text=True, timeout=10).stdout
        return sorted(re.findall(r"ino:(\d+)", out))
    except (OSError, subprocess.SubprocessError):
        pass
    found = []
    with open("/proc/net/tcp") as f:
        for row in f.read().splitlines()[1:]:
            cols = row.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                found.append(cols[9])
    return sorted(found)


def test_reload_broken_script_keeps_last_good():
    with lib.Nanod(two_apps(), workers=2, server_extra={"watch": "off"}) as s:
        broken = lib.read_app("reload_broken.js")
        lib.rewrite(script(s, "a"), broken)
        lib.rewrite(script(s, "b"), lib.const_app("b-v1"))
        line = lib.reload_and_wait(s)
        assert line.get("generation") == "2", line
        # a keeps its last good version, b gets its update.
        assert lib.body_of(s.port, "a.localhost") == "a-v0"
        assert lib.body_of(s.port, "b.localhost") == "b-v1"
        where = "%s:5:" % script(s, "a")
        errs = lib.log_lines(s, lib.msg_has(where))
        assert errs, "no log line with %r:\n%s" % (where, lib.tail(s.log_path, 30))
        assert "SyntaxError" in errs[0]["msg"], errs[0]
        assert lib.log_lines(s, lambda o: o.get("app") == "a" and "last good" in o["msg"]), \
            lib.tail(s.log_path, 30)
        # Fixed on the next reload.
        lib.rewrite(script(s, "a"), lib.const_app("a-v2"))
        lib.reload_and_wait(s)
        assert lib.body_of(s.port, "a.localhost") == "a-v2"
        assert lib.body_of(s.port, "b.localhost") == "b-v1"


def test_reload_broken_config_changes_nothing():
    with lib.Nanod(two_apps(), workers=2, server_extra={"watch": "off"}) as s:
        pids = s.wait_workers(2)
        good = open(s.config_path).read()
        bad = good.replace("[app:b]\n", "[app:b]\nhostnme = x\n")
        lib.rewrite(s.config_path, bad)
        lib.rewrite(script(s, "a"), lib.const_app("a-v1"))     # not applied either
        s.send_signal(signal.SIGUSR2)
        failed = s.wait_log(lib.msg_has("reload failed"), what="\"reload failed\"")
        assert "still serving generation 1" in failed["msg"], failed
        where = "%s:%d: unknown key \"hostnme\"" % (s.config_path, lib.line_of(bad, "hostnme"))
        assert lib.log_lines(s, lib.msg_has(where)), lib.tail(s.log_path, 20)
        assert s.running()
        assert s.worker_pids() == pids, "workers changed on a failed reload"
        assert lib.body_of(s.port, "a.localhost") == "a-v0"
        assert lib.body_of(s.port, "b.localhost") == "b-v0"
        # Fix it: everything since is applied.
        lib.rewrite(s.config_path, good)
        lib.reload_and_wait(s)
        assert lib.body_of(s.port, "a.localhost") == "a-v1"


def test_reload_sighup():
    with lib.Nanod(two_apps(), workers=1, server_extra={"watch": "off"}) as s:
        lib.rewrite(script(s, "a"), lib.const_app("a-v1"))
        lib.reload_and_wait(s, signal.SIGHUP)
        assert s.running()
        assert lib.body_of(s.port, "a.localhost") == "a-v1"
        assert lib.log_lines(s, lib.msg_has("(SIGHUP)"))


def test_reload_adds_and_removes_apps():
    with lib.Nanod(two_apps(), workers=1, server_extra={"watch": "off"}) as s:
        c = lib.App("c", source=lib.const_app("c-v0"), hosts="c.localhost")
        rewrite_config(s, [two_apps()[0], c])
        lib.reload_and_wait(s)
        assert lib.body_of(s.port, "c.localhost") == "c-v0"
        assert lib.body_of(s.port, "a.localhost") == "a-v0"
        r = s.get("/", host="b.localhost")
        assert r.status == 404, r


def test_reload_coalesced():
    """Reloads asked for during a reload are run once after it, with the last edit."""
    # A big script makes R1 (compiling every script) take a while, so that the
    # next signals surely arrive during the first reload.
    big = "var t = [\n" + "".join("function (x) { return x * %d + %d; },\n" % (i, i)
                                    for i in range(20000)) + "0];\n" + lib.const_app("big")
    apps = two_apps() + [lib.App("big", source=big, hosts="big.localhost")]
    with lib.Nanod(apps, workers=1, server_extra={"watch": "off"}) as s:
        reloading = lib.msg_has("reloading")
        lib.rewrite(script(s, "a"), lib.const_app("a-v1"))
        s.send_signal(signal.SIGUSR2)
        lib.wait_log_count(s, reloading, 1, what="\"reloading\"")
        lib.rewrite(script(s, "a"), lib.const_app("a-v2"))
        s.send_signal(signal.SIGUSR2)
        lib.rewrite(script(s, "a"), lib.const_app("a-v3"))
        s.send_signal(signal.SIGUSR2)
        lib.wait_log_count(s, lib.msg_has("reload done"), 2, lib.timeout(20), "2 reloads")
        assert lib.body_of(s.port, "a.localhost") == "a-v3"
        time.sleep(0.5)
        assert len(lib.log_lines(s, reloading)) == 2, lib.tail(s.log_path, 30)
        assert lib.log_lines(s, lib.msg_has("queued")), lib.tail(s.log_path, 30)


def test_reload_listen_add_remove():
    """A new listen address serves after a reload and stops after the next; the first
    one's socket is never closed or re-created and never fails a request."""
    with lib.Nanod(two_apps(), workers=2, server_extra={"watch": "off"}) as s:
        first = s.port
        inodes = listener_inodes(first)
        assert len(inodes) == 1, inodes
        load = lib.Load(first, ["a.localhost"], threads=2, keepalive=False).start()
        try:
            second = lib.free_port()
            rewrite_config(s, two_apps(), ports=[first, second])
            lib.reload_and_wait(s)
            r = s.get("/", host="b.localhost", port=second)
            assert r.status == 200 and r.text == "b-v0", r
            assert listener_inodes(first) == inodes, "the first listener was re-created"
            rewrite_config(s, two_apps(), ports=[first])
            lib.reload_and_wait(s)

            def refused():
                try:
                    socket.create_connection(("127.0.0.1", second), timeout=1).close()
                except ConnectionRefusedError:
                    return True
                return False
            lib.wait_until(refused, lib.timeout(5), "port %d to refuse connections" % second)
            assert listener_inodes(first) == inodes, "the first listener was re-created"
            time.sleep(0.3)
        finally:
            load.stop()
        assert load.ok > 20, load.summary()
        assert_clean(load, "clients of the first address")


def test_reload_graceful_timeout_kills_leftovers():
    """An old worker still busy graceful_timeout after the reload gets SIGTERM/SIGKILL."""
    extra = {"watch": "off", "graceful_timeout": "300ms"}
    with lib.Nanod(two_apps(), workers=1, server_extra=extra) as s:
        old = s.wait_workers(1)[0]
        # Half a request: the old worker waits for the rest (client_header_timeout, 10s).
        c = socket.create_connection(("127.0.0.1", s.port), timeout=lib.timeout(5))
        try:
            c.sendall(b"GET / HTTP/1.1\r\nHost: a.localhost\r\n")
            time.sleep(0.2)
            t0 = time.monotonic()
            lib.reload_and_wait(s)
            lib.wait_until(lambda: not lib.alive(old), lib.timeout(5), "the old worker to go")
            took = time.monotonic() - t0
        finally:
            c.close()
        assert took < lib.timeout(3), "the old worker lived %.1fs after the reload" % took
        s.wait_log(lib.msg_has("still draining after graceful_timeout"),
                   what="the graceful_timeout warning")
        assert lib.body_of(s.port, "a.localhost") == "a-v0"


def test_reload_during_slow_request():
    """A request in flight on the old generation completes; the new one serves meanwhile."""
    app = lib.App("slow", file="reload_slow.js", hosts="slow.localhost",
                  extra={"cpu_limit": "5s"})
    with lib.Nanod([app] + two_apps(), workers=1, server_extra={"watch": "off"}) as s:
        box = {}

        def slow():
            try:
                box["r"] = s.get("/slow", host="slow.localhost")
            except Exception as e:      # noqa: BLE001 - reported below
                box["e"] = e
        t = threading.Thread(target=slow)
        t.start()
        s.wait_log(lib.msg_has("slow request started"), what="the slow request")
        lib.rewrite(script(s, "a"), lib.const_app("a-v1"))
        lib.reload_and_wait(s)
        assert lib.body_of(s.port, "a.localhost") == "a-v1"
        t.join(lib.timeout(10))
        assert "r" in box, box
        assert box["r"].status == 200 and box["r"].text == "slow done", box["r"]
        s.wait_log(lambda o: o.get("generation") == "1" and "exited with status 0" in o["msg"],
                   lib.timeout(5), "the old worker's exit")


# ---------------------------------------------------------------- watch (inotify)

def test_watch_burst_is_one_reload():
    with lib.Nanod(two_apps(), workers=1) as s:
        for i in range(1, 6):
            lib.rewrite(script(s, "a"), lib.const_app("a-v%d" % i), atomic=(i % 2 == 0))
            time.sleep(0.03)
        lib.wait_log_count(s, lib.msg_has("reload done"), 1, what="the reload")
        time.sleep(0.6)         # anything late would show up by now
        assert len(lib.log_lines(s, lib.msg_has("reloading"))) == 1, lib.tail(s.log_path, 30)
        assert lib.body_of(s.port, "a.localhost") == "a-v5"


def test_watch_apps_ini_edit():
    with lib.Nanod(two_apps(), workers=1) as s:
        c = lib.App("c", source=lib.const_app("c-v0"), hosts="c.localhost")
        rewrite_config(s, two_apps() + [c])
        lib.wait_log_count(s, lib.msg_has("reload done"), 1, what="the reload")
        assert lib.body_of(s.port, "c.localhost") == "c-v0"
        line = lib.log_lines(s, lib.msg_has("reloading"))[0]
        assert "(file change: " in line["msg"], line


def test_watch_off():
    with lib.Nanod(two_apps(), workers=1, server_extra={"watch": "off"}) as s:
        lib.rewrite(script(s, "a"), lib.const_app("a-v1"))
        time.sleep(0.8)
        assert not lib.log_lines(s, lib.msg_has("reloading")), lib.tail(s.log_path, 10)
        assert lib.body_of(s.port, "a.localhost") == "a-v0"
        # Turned on by a reload, off again by the next.
        rewrite_config(s, two_apps("v1"), server_extra={"watch": "on"})
        lib.reload_and_wait(s)
        lib.rewrite(script(s, "a"), lib.const_app("a-v2"))
        lib.wait_log_count(s, lib.msg_has("reload done"), 2, what="a reload by inotify")
        assert lib.body_of(s.port, "a.localhost") == "a-v2"


class ConfigMapNanod(lib.Nanod):
    """apps.ini and the scripts as a Kubernetes ConfigMap volume lays them out:
    DIR/cm/apps.ini -> ..data/apps.ini, ..data -> ..<version dir>/."""

    def write_config(self):
        self.ports = [lib.free_port()]
        self.port = self.ports[0]
        self.cm = os.path.join(self.dir, "cm")
        os.makedirs(self.cm, exist_ok=True)
        self.publish("v0")
        for name in ("apps.ini", "a.js", "b.js"):
            os.symlink(os.path.join("..data", name), os.path.join(self.cm, name))
        return self.config_path

    @property
    def config_path(self):
        return os.path.join(self.dir, "cm", "apps.ini")

    def publish(self, tag):
        """Writes a new version dir and swaps ..data to it atomically, like the kubelet."""
        ver = "..2026_11_25_%s" % tag
        d = os.path.join(self.cm, ver)
        os.makedirs(d)
        ini = ("[server]\nlisten = 127.0.0.1:%d\nworkers = 1\nerror_log = %s\n"
               "graceful_timeout = 5s\nstate_dir = %s\n\n[app:a]\nscript = a.js\n"
               "hosts = a.localhost\n\n[app:b]\nscript = b.js\nhosts = b.localhost\n"
               % (self.port, self.log_path, os.path.join(self.dir, "state")))
        lib.write_files(d, {"apps.ini": ini, "a.js": lib.const_app("a-" + tag),
                            "b.js": lib.const_app("b-" + tag)})
        link = os.path.join(self.cm, "..data")
        old = os.readlink(link) if os.path.islink(link) else None
        os.symlink(ver, link + "_tmp")
        os.rename(link + "_tmp", link)
        if old:
            for f in os.listdir(os.path.join(self.cm, old)):
                os.unlink(os.path.join(self.cm, old, f))
            os.rmdir(os.path.join(self.cm, old))


def test_watch_configmap_symlink_swap():
    with ConfigMapNanod([], workers=1) as s:
        assert lib.body_of(s.port, "a.localhost") == "a-v0"
        for i, tag in enumerate(("v1", "v2"), 1):
            s.publish(tag)
            lib.wait_log_count(s, lib.msg_has("reload done"), i, what="reload %d" % i)
            assert lib.body_of(s.port, "a.localhost") == "a-" + tag
            assert lib.body_of(s.port, "b.localhost") == "b-" + tag
        assert len(lib.log_lines(s, lib.msg_has("reloading"))) == 2, lib.tail(s.log_path, 30)


WRK_LUA = """
local hosts = { "a.localhost", "b.localhost" }
local i = 0
request = function()
    i = i + 1
    return wrk.format("GET", "/", { ["Host"] = hosts[i % 2 + 1] })
end
"""


def test_reload_under_load_wrk():
    """The same at wrk's rate (when wrk is installed): 16 keep-alive connections and
    10 reloads; wrk counts every socket error and non-2xx answer."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise lib.Skip("wrk is not installed (the Python load tests cover reloads)")
    extra = {"watch": "off", "cpu_limit": "2s"}
    reloads = 10
    with lib.Nanod(two_apps(), workers=2, server_extra=extra) as s:
        lua = os.path.join(s.dir, "hosts.lua")
        with open(lua, "w") as f:
            f.write(WRK_LUA)
        # Stopped with SIGINT after the reloads (wrk prints its summary then).
        p = subprocess.Popen([wrk, "-t2", "-c16", "-d120s", "--timeout", "10s", "-s", lua,
                              "http://127.0.0.1:%d/" % s.port],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(0.5)
            for n in range(1, reloads + 1):
                assert p.poll() is None, "wrk ended early:\n%s" % p.communicate()[0]
                lib.rewrite(script(s, "a"), lib.const_app("a-v%d" % n))
                lib.rewrite(script(s, "b"), lib.const_app("b-v%d" % n))
                lib.reload_and_wait(s, timeout_s=lib.timeout(10))
                time.sleep(0.3)
            p.send_signal(signal.SIGINT)
            out, _ = p.communicate(timeout=lib.timeout(30))
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        m = re.search(r"(\d+) requests in", out)
        assert m and int(m.group(1)) > 1000, out
        assert "Socket errors" not in out, "wrk saw socket errors:\n%s" % out
        assert "Non-2xx" not in out, "wrk saw error answers:\n%s" % out
        assert lib.body_of(s.port, "a.localhost") == "a-v%d" % reloads
        info("%d reloads under wrk: %s requests, 0 errors" % (reloads, m.group(1)))
