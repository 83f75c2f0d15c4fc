"""One tenant's mistake never takes down another (issue 16; issue 15 items 10, 12d):
last good versions that survive restarts (state_dir), app states in /status and
/metrics, privilege drop that cannot lock the server out, stale builds, watch of a
first build, cached load failures, FIFO scripts, a supervisor that stays responsive
while it compiles, env globals for service-worker apps."""

import json
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import lib

GOOD_B = lib.const_app("b version 1")
BROKEN = "module.exports = {\n    fetch: function (request) {\n        var x = );\n    }\n};\n"


def admin_get(port, path):
    return lib.request(port, "GET", path, host="admin")


def status(s):
    r = admin_get(s.admin_port, "/status")
    assert r.status == 200, r
    return r.json()


def metrics(s):
    r = admin_get(s.admin_port, "/metrics")
    assert r.status == 200, r
    return r.text


def server(apps, state_dir=None, workers=1, **extra):
    admin = lib.free_port()
    sx = {"admin_listen": "127.0.0.1:%d" % admin}
    if state_dir is not None:
        sx["state_dir"] = state_dir
    sx.update(extra)
    s = lib.Nanod(apps, workers=workers, server_extra=sx)
    s.admin_port = admin
    return s


def two_apps(b_source=GOOD_B):
    return [lib.App("a", source=lib.const_app("a ok"), hosts="a.test"),
            lib.App("b", source=b_source, hosts="b.test")]


def persistent_dir():
    """A state_dir outside /tmp, as a real one is (a reboot may empty /tmp)."""
    return tempfile.mkdtemp(prefix="nd-e2e-state-", dir="/var/tmp")


def test_restart_with_broken_app_serves_last_good_version():
    state = persistent_dir()
    try:
        with server(two_apps(), state_dir=state) as s:
            assert s.get("/", host="b.test").text == "b version 1"
            st = os.stat(os.path.join(state, "apps", "b.js"))
            assert stat.S_IMODE(os.stat(state).st_mode) == 0o700
            assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
            assert status(s)["apps"]["b"]["state"] == "ok"
            # b gets a syntax error; then a restart (SIGTERM, start again).
            s.stop()
            s.apps[1].source = BROKEN
            s.start()
            assert s.get("/", host="a.test").text == "a ok"
            r = s.get("/", host="b.test")
            assert r.status == 200 and r.text == "b version 1", r
            b = status(s)["apps"]["b"]
            script = os.path.join(s.dir, "apps", "b.js")
            assert b["state"] == "stale" and b["error"].startswith(script + ":3: SyntaxError"), b
            assert re.match(r"\d{4}-\d\d-\d\dT", b["last_good_built"]), b
            assert status(s)["apps"]["a"]["state"] == "ok"
            m = metrics(s)
            assert 'nanod_app_state{app="b",state="stale"} 1' in m, m
            assert 'nanod_app_state{app="a",state="ok"} 1' in m
            assert re.search(r'nanod_app_error_info\{app="b",error=".*b\.js:3: SyntaxError', m)
            assert re.search(r'nanod_app_last_good_build_timestamp_seconds\{app="b"\} 1\d{9}', m)
            html = admin_get(s.admin_port, "/status?html").text
            assert "stale" in html and "b.js:3: SyntaxError" in html, html
            assert lib.log_lines(s, lambda o: o.get("app") == "b" and "stale" in o["msg"]
                                 and ":3: SyntaxError" in o["msg"]), lib.tail(s.log_path)
        # A cold start (a reboot: new process, new temp dir, nothing in memory) with the
        # broken script: the last good version comes from state_dir.
        with server(two_apps(BROKEN), state_dir=state) as s:
            r = s.get("/", host="b.test")
            assert r.status == 200 and r.text == "b version 1", r
            assert s.get("/", host="a.test").text == "a ok"
            assert status(s)["apps"]["b"]["state"] == "stale"
            # Fixed: ok again, and the new version becomes the last good one.
            lib.rewrite(os.path.join(s.dir, "apps", "b.js"), lib.const_app("b version 2"))
            lib.reload_and_wait(s)
            assert s.get("/", host="b.test").text == "b version 2"
            assert status(s)["apps"]["b"]["state"] == "ok"
        with open(os.path.join(state, "apps", "b.js")) as f:
            assert "b version 2" in f.read()
    finally:
        shutil.rmtree(state, ignore_errors=True)


def test_never_good_app_answers_503_failed():
    with server(two_apps(BROKEN)) as s:
        assert s.get("/", host="a.test").text == "a ok"
        r = s.get("/", host="b.test")
        assert r.status == 503 and 'app "b" has no working version' in r.text \
            and "failed" in r.text, r
        b = status(s)["apps"]["b"]
        assert b["state"] == "failed" and ":3: SyntaxError" in b["error"] \
            and b["last_good_built"] is None, b
        assert 'nanod_app_state{app="b",state="failed"} 1' in metrics(s)
        # -t: every file:line error, exit 3 (apps.ini is valid, an app is broken).
        r = lib.check_config(s.config_path)
        script = os.path.join(s.dir, "apps", "b.js")
        assert r.rc == 3 and (script + ":3: SyntaxError") in r.stderr \
            and "1 of 2 apps are broken" in r.stderr, r


def test_apps_ini_error_still_refuses_start_and_check_exits_1():
    with lib.tempdir() as d:
        ini = lib.make_config(d, two_apps(BROKEN), "127.0.0.1:%d" % lib.free_port(),
                              server_extra={"hostnme": "x"})
        r = lib.check_config(ini)
        assert r.rc == 1 and ini + ":7: unknown key" in r.stderr, r
        r = lib.run_cli(["-c", ini])
        assert r.rc == 78 and "not starting" in r.stderr, r


def _need_root():
    if os.geteuid() != 0:
        raise lib.Skip("needs root (user = nobody)")


def test_user_with_log_in_root_only_dir_refused_and_reload_changes_nothing():
    _need_root()
    nobody = pwd.getpwnam("nobody")
    with server(two_apps()) as s:
        os.chmod(s.dir, 0o755)
        logdir = os.path.join(s.dir, "logs")
        os.mkdir(logdir, 0o750)                         # root only, as in the issue
        access = os.path.join(logdir, "access.log")
        with open(access, "w") as f:
            f.write("keep me\n")
        os.chmod(access, 0o640)
        before = os.stat(access)
        # -t as the workers' user: refused with file:line.
        s.server_extra.update({"user": "nobody", "group": "nogroup", "access_log": access})
        ports = s.ports
        ini = lib.make_config(s.dir, s.apps, ", ".join("127.0.0.1:%d" % p for p in ports),
                              s.workers, s.log_path, s.server_extra)
        text = open(ini).read()
        line = lib.line_of(text, "access_log = ")
        r = lib.check_config(ini)
        assert r.rc == 1 and ("%s:%d: access_log %s" % (ini, line, access)) in r.stderr \
            and "cannot reach the directory" in r.stderr, r
        # A reload of that config fails and changes nothing on disk.
        gen = status(s)["generation"]
        s.send_signal(signal.SIGUSR2)
        lib.wait_log_count(s, lib.msg_has("reload failed"), 1)
        after = os.stat(access)
        assert (after.st_uid, after.st_gid, after.st_size, stat.S_IMODE(after.st_mode)) == \
            (before.st_uid, before.st_gid, before.st_size, stat.S_IMODE(before.st_mode)), \
            "the failed reload touched %s" % access
        assert open(access).read() == "keep me\n"
        assert status(s)["generation"] == gen
        assert s.get("/", host="a.test").text == "a ok"
        # The same as a start: refused (78), nothing created.
        r = lib.run_cli(["-c", ini])
        assert r.rc == 78 and "cannot reach the directory" in r.stderr, r
        # A directory nobody can reach: the reload goes ahead, workers write the log.
        os.chmod(logdir, 0o755)
        lib.reload_and_wait(s)
        assert [os.stat("/proc/%d" % p).st_uid for p in s.wait_workers(1)] == [nobody.pw_uid]
        assert s.get("/", host="a.test").text == "a ok"
        lib.wait_until(lambda: '"app":"a"' in open(access).read().replace(" ", ""), 5,
                       "an access log line written by the nobody worker")
        assert os.stat(access).st_uid == nobody.pw_uid


def _write_build(root, name, src_rel, js):
    """What scripts/nanod-build -c writes: .nanod-build/NAME.js and its manifest."""
    build = os.path.join(root, ".nanod-build")
    os.makedirs(build, exist_ok=True)
    st = os.stat(os.path.join(root, src_rel))
    mtime_ms = st.st_mtime_ns // 1000000
    with open(os.path.join(build, name + ".js"), "w") as f:
        f.write(js)
    with open(os.path.join(build, name + ".js.manifest"), "w") as f:
        f.write("# nanod-build manifest 1\n%d %d ../%s\n" % (st.st_size, mtime_ms, src_rel))


def test_stale_build_of_one_app_does_not_block_another():
    s = server([lib.App("b", source=GOOD_B, hosts="b.test")])
    s._start_on_enter = False
    with s:
        os.makedirs(os.path.join(s.dir, "src"))
        with open(os.path.join(s.dir, "src", "m.ts"), "w") as f:
            f.write("export default { fetch() { return new Response('m built'); } };\n")
        _write_build(s.dir, "m", "src/m.ts", lib.const_app("m built"))
        extra_app = "\n[app:m]\nsource = src/m.ts\nhosts = m.test\n"
        orig = s.write_config

        def write_config():
            path = orig()
            with open(path, "a") as f:
                f.write(extra_app)
            return path
        s.write_config = write_config
        s.start()
        assert s.get("/", host="m.test").text == "m built"
        # The source is edited but not rebuilt: m's build is stale. b changes too.
        time.sleep(0.02)
        with open(os.path.join(s.dir, "src", "m.ts"), "a") as f:
            f.write("// edited\n")
        lib.rewrite(os.path.join(s.dir, "apps", "b.js"), lib.const_app("b version 2"))
        lib.reload_and_wait(s)
        assert s.get("/", host="b.test").text == "b version 2"
        assert s.get("/", host="m.test").text == "m built"
        m = status(s)["apps"]["m"]
        assert m["state"] == "stale" and "is newer than its build" in m["error"] \
            and "apps.ini:" in m["error"], m
        r = lib.check_config(s.config_path)
        assert r.rc == 3 and "[app:m] source src/m.ts is newer than its build" in r.stderr, r


def test_watch_picks_up_a_first_build():
    s = server([lib.App("b", source=GOOD_B, hosts="b.test")], watch="on")
    s._start_on_enter = False
    with s:
        os.makedirs(os.path.join(s.dir, "src"))
        with open(os.path.join(s.dir, "src", "n.ts"), "w") as f:
            f.write("export default {};\n")
        orig = s.write_config

        def write_config():
            path = orig()
            with open(path, "a") as f:
                f.write("\n[app:n]\nsource = src/n.ts\nhosts = n.test\n")
            return path
        s.write_config = write_config
        s.start()
        r = s.get("/", host="n.test")
        assert r.status == 503 and "no working version" in r.text, r
        assert status(s)["apps"]["n"]["state"] == "failed"
        # The first build appears (no .nanod-build/ before): watch reloads, no SIGUSR2.
        _write_build(s.dir, "n", "src/n.ts", lib.const_app("n first build"))
        lib.wait_until(lambda: lib.body_of(s.port, "n.test") == "n first build",
                       lib.timeout(10), "the first build to be served (watch)")
        assert status(s)["apps"]["n"]["state"] == "ok"


def _cpu_per_request(s, host, n):
    """The worker's CPU per request in ms: its main thread (where heaps are built and
    requests served) from schedstat, in ns, so that a few hundred requests measure it
    (clock ticks of 10 ms needed thousands: 4,000 sequential ASan requests took 55 s
    at nice 19 beside busy loops, half the 120 s per-test limit)."""
    pid = s.wait_workers(1)[0]
    conn = s.connection()
    t0 = lib.thread_cpu_ms(pid)
    for _ in range(n):
        r = lib.conn_request(conn, "GET", "/", host)
    conn.close()
    return (lib.thread_cpu_ms(pid) - t0) / n, r


def test_broken_app_is_not_rebuilt_per_request():
    throws = ("var big = [];\nfor (var i = 0; i < 20000; i++) { big.push({ i: i }); }\n"
              "throw new Error('boom at load');\n")
    apps = [lib.App("a", source=lib.const_app("a ok"), hosts="a.test"),
            lib.App("t", source=throws, hosts="t.test")]
    with server(apps) as s:
        r = s.get("/", host="t.test")
        assert r.status in (500, 503), r
        n = 300
        per_broken, r = _cpu_per_request(s, "t.test", n)
        assert r.status == 503 and "failed to load" in r.text and "not retried" in r.text, r
        per_ok, _ = _cpu_per_request(s, "a.test", n)
        builds = re.search(r'nanod_heap_builds_total\{app="t"\} (\d+)', metrics(s))
        assert builds and int(builds.group(1)) == 1, "rebuilt: %s" % builds.group(0)
        lib.note("CPU per request: broken app %.4f ms, hello app %.4f ms (%d requests each)"
                 % (per_broken, per_ok, n))
        print("    info CPU per request after the first failure: broken app %.4f ms, "
              "hello app %.4f ms" % (per_broken, per_ok))
        # Before the fix every request rebuilt the heap (2-4 ms here).
        assert per_broken < 0.1 or per_broken <= per_ok * 1.5, (per_broken, per_ok)
        assert len(lib.log_lines(s, lib.msg_has("cannot load the app"))) == 1
        t = status(s)["apps"]["t"]
        assert t["state"] == "failed" and "failed to load in 1 worker" in t["error"], t
        assert 'nanod_app_load_failed_workers{app="t"} 1' in metrics(s)


def test_fifo_script_is_refused_and_nothing_hangs():
    with server(two_apps()) as s:
        fifo = os.path.join(s.dir, "apps", "b.js")
        # -t on a config whose script is a FIFO: an error of that app, no hang.
        os.unlink(fifo)
        os.mkfifo(fifo)
        r = lib.check_config(s.config_path)
        assert r.rc == 3 and "is not a regular file" in r.stderr, r
        # A reload: b keeps its last good version, the supervisor answers signals.
        lib.reload_and_wait(s)
        assert s.get("/", host="b.test").text == "b version 1"
        b = status(s)["apps"]["b"]
        assert b["state"] == "stale" and "not a regular file" in b["error"], b
        s.stop()


BIG_FN = "function f%d(a) { var x = a * %d; if (x > 3) { return x + 1; } return [x, a]; }\n"


def _big_script(n):
    return "".join(BIG_FN % (i, i) for i in range(n)) + lib.const_app("big")


def test_killed_worker_respawned_during_long_reload():
    """The scripts compile in a child: during a reload that takes seconds to compile, a
    killed worker is respawned at once (before the reload is done)."""
    apps = [lib.App("a", source=lib.const_app("a ok"), hosts="a.test")]
    apps += [lib.App("big%d" % i, source=lib.const_app("x"), hosts="big%d.test" % i)
             for i in range(2)]
    with server(apps, workers=1, watch="off") as s:
        big = _big_script(20000)                        # ~1.7 MB each
        for i in range(2):
            lib.rewrite(os.path.join(s.dir, "apps", "big%d.js" % i), big)
        old = s.wait_workers(1)[0]
        done = lib.msg_has("reload done")
        n_done = len(lib.log_lines(s, done))
        t0 = time.monotonic()
        s.send_signal(signal.SIGUSR2)
        lib.wait_log_count(s, lib.msg_has("reloading"), 1)
        os.kill(old, signal.SIGKILL)
        t_kill = time.monotonic()
        lib.wait_until(lambda: [p for p in s.worker_pids() if p != old], lib.timeout(30),
                       "a respawned worker")
        respawn_s = time.monotonic() - t_kill
        during = len(lib.log_lines(s, done)) == n_done
        lib.wait_log_count(s, done, n_done + 1, lib.timeout(90))
        reload_s = time.monotonic() - t0
        lib.note("respawn after %.3f s; the reload took %.2f s" % (respawn_s, reload_s))
        print("    info killed worker respawned after %.0f ms during a reload that took %.1f s "
              "(2 scripts of %d KB to compile)" % (respawn_s * 1000, reload_s, len(big) // 1024))
        assert during, "the worker was respawned only after the reload (%.2f s)" % respawn_s
        assert respawn_s < reload_s / 2, (respawn_s, reload_s)
        assert s.get("/", host="a.test").text == "a ok"


def test_sigterm_obeyed_during_long_compile():
    apps = [lib.App("a", source=lib.const_app("a ok"), hosts="a.test"),
            lib.App("big", source=lib.const_app("x"), hosts="big.test")]
    with server(apps, watch="off") as s:
        lib.rewrite(os.path.join(s.dir, "apps", "big.js"), _big_script(40000))
        s.send_signal(signal.SIGUSR2)
        lib.wait_log_count(s, lib.msg_has("reloading"), 1)
        t0 = time.monotonic()
        s.stop(timeout_s=lib.timeout(5))
        lib.note("stopped %.3f s after SIGTERM during a compile" % (time.monotonic() - t0))


def test_script_exhausting_memory_at_compile_time():
    """A script that needs more than memory_limit to compile: an error of that app (no
    abort of the supervisor or of -t), the others serve."""
    hog = _big_script(60000)                            # ~5 MB: far more than 2 MB compiled
    apps = [lib.App("a", source=lib.const_app("a ok"), hosts="a.test"),
            lib.App("hog", source=hog, hosts="hog.test", extra={"memory_limit": "2m"})]
    with server(apps) as s:
        # -t reads and compiles the 5 MB script up to the limit: 0.25 s of CPU, 9 s of wall
        # at nice 10 beside two test runs (the default CLI limit of 20 s is for a hang).
        r = lib.check_config(s.config_path, timeout_s=lib.timeout(120))
        assert r.rc == 3 and "hog.js: out of memory while compiling" in r.stderr, r
        assert s.get("/", host="a.test").text == "a ok"
        r = s.get("/", host="hog.test")
        assert r.status == 503 and "no working version" in r.text, r
        assert "out of memory while compiling" in status(s)["apps"]["hog"]["error"]
        assert s.running()


def test_service_worker_app_sees_env_as_globals():
    sw = ('addEventListener("fetch", function (event) {\n'
          '    event.respondWith(new Response(typeof GREETING + ":" + GREETING + ":" +\n'
          '        typeof fetch));\n});\n')
    mod = ("module.exports = { fetch: function (request, env) {\n"
           "    return new Response(typeof GREETING + ':' + env.GREETING);\n} };\n")
    apps = [lib.App("sw", source=sw, hosts="sw.test", env={"GREETING": "hi", "fetch": "x"}),
            lib.App("mod", source=mod, hosts="mod.test", env={"GREETING": "yo"})]
    with server(apps) as s:
        r = s.get("/", host="sw.test")
        assert r.status == 200 and r.text == "string:hi:function", r
        r = s.get("/", host="mod.test")
        assert r.status == 200 and r.text == "undefined:yo", r


def test_dotdot_script_path_is_not_called_a_symlink():
    with lib.tempdir() as d:
        os.makedirs(os.path.join(d, "conf"))
        os.makedirs(os.path.join(d, "other"))
        with open(os.path.join(d, "other", "a.js"), "w") as f:
            f.write(lib.const_app("a"))
        ini = os.path.join(d, "conf", "apps.ini")
        with open(ini, "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:1\n[app:a]\nscript = ../other/a.js\n"
                    "hosts = a.test\n")
        r = lib.check_config(ini)
        assert r.rc == 3 and "%s:4: " % ini in r.stderr and 'leaves it with ".."' in r.stderr \
            and "through a symlink" not in r.stderr, r


def test_worker_rss_metric_is_current():
    grow = ("var keep = [];\nmodule.exports = { fetch: function () {\n"
            "    for (var i = 0; i < 20000; i++) { keep.push('x' + i + Math.random()); }\n"
            "    return new Response(String(keep.length));\n} };\n")
    apps = [lib.App("g", source=grow, hosts="g.test", extra={"memory_limit": "512m",
                                                             "cpu_limit": "5s"})]
    with server(apps) as s:
        pid = s.wait_workers(1)[0]
        for _ in range(15):
            assert s.get("/", host="g.test").status == 200
        m = re.search(r'nanod_worker_rss_bytes\{pid="%d"\} (\d+)' % pid, metrics(s))
        with open("/proc/%d/statm" % pid) as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        got = int(m.group(1))
        assert abs(got - rss) <= max(rss // 10, 1 << 20), (got, rss)


def test_initscript_restart_with_broken_app_goes_ahead_bad_ini_leaves_server_alone():
    from test_initscript import Init
    with lib.tempdir() as d:
        port = lib.free_port()
        conf = lib.make_config(d, two_apps(), "127.0.0.1:%d" % port, workers=1,
                               server_extra={"watch": "off"})
        init = Init(d, conf)
        try:
            r = init("start")
            assert r.rc == 0 and "started" in r.stdout, r
            lib.wait_until(lambda: lib.body_of(port, "b.test") == "b version 1",
                           lib.timeout(10), "the server to serve")
            # A broken app: restart goes ahead (-t exits 3), b runs its last good version.
            lib.rewrite(os.path.join(d, "apps", "b.js"), BROKEN)
            pid = init.pid()
            r = init("restart")
            assert r.rc == 0 and "some apps are broken" in r.output and "started" in r.stdout, r
            assert init.pid() != pid
            lib.wait_until(lambda: lib.body_of(port, "b.test") == "b version 1", lib.timeout(10),
                           "b's last good version after the restart")
            assert lib.body_of(port, "a.test") == "a ok"
            # apps.ini itself broken: restart and reload refuse, the server is left alone.
            pid = init.pid()
            with open(conf, "a") as f:
                f.write("\n[app:c]\nscript = apps/a.js\nhostnme = c.test\n")
            r = init("restart")
            assert r.rc != 0 and "not restarting" in r.output and "hostnme" in r.output, r
            r = init("reload")
            assert r.rc != 0 and "not reloading" in r.output, r
            assert init.pid() == pid and lib.alive(pid)
            assert lib.body_of(port, "a.test") == "a ok"
            r = init("stop")
            assert r.rc == 0, r
        finally:
            init.kill_all()
