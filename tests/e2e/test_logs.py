"""Logs (issue 8): console lines tagged with the request id and filtered by the
app's log_level; the slowlog."""

import os
import signal
import time

import lib

CONSOLE_APP = """
module.exports = { fetch: function (request) {
    var p = request.url.substring(request.url.indexOf("/", 8));
    console.debug("debug line " + p);
    console.info("info line " + p);
    console.error("error line " + p);
    if (p === "/throw") { throw new Error("thrown " + p); }
    if (p === "/slow") {
        return new Promise(function (res) {
            setTimeout(function () { res(new Response("slow")); }, 300);
        });
    }
    return new Response("ok");
} };
"""


def test_console_tagged_and_filtered():
    apps = [lib.App("quiet", source=CONSOLE_APP, hosts="quiet.test", extra={"log_level": "warn"}),
            lib.App("chatty", source=CONSOLE_APP, hosts="chatty.test",
                    extra={"log_level": "debug"})]
    with lib.Nanod(apps, workers=1) as s:
        r = s.get("/x", host="chatty.test", headers={"x-request-id": "req-abc.1"})
        assert r.status == 200 and r.header("x-request-id") == "req-abc.1", r
        s.get("/y", host="quiet.test")
        line = s.wait_log(lambda o: o.get("app") == "chatty" and o["msg"] == "debug line /x",
                          what="chatty's debug line")
        assert line.get("request_id") == "req-abc.1" and line["level"] == "debug", line
        s.wait_log(lambda o: o.get("app") == "quiet" and o["msg"] == "error line /y",
                   what="quiet's error line")
        r = s.get("/throw", host="chatty.test", headers={"x-request-id": "req-err.2"})
        assert r.status == 500 and "req-err.2" in r.text, r
        line = s.wait_log(lambda o: o.get("msg") == "Error: thrown /throw", what="the error")
        assert line.get("request_id") == "req-err.2" and "stack" in line, line
        time.sleep(0.2)
        quiet = [o["msg"] for o in s.log() if o.get("app") == "quiet"]
        assert quiet == ["error line /y"], quiet


def test_bad_log_level_is_a_config_error():
    with lib.tempdir() as d:
        ini = os.path.join(d, "apps.ini")
        with open(os.path.join(d, "a.js"), "w") as f:
            f.write(CONSOLE_APP)
        with open(ini, "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:1\n[app:a]\nscript = a.js\nhosts = a.test\n"
                    "log_level = loud\n")
        r = lib.run_cli(["-t", "-c", ini])
        assert r.rc == 1 and "%s:6: bad log_level" % ini in r.stderr, r


def test_slowlog():
    app = lib.App("a", source=CONSOLE_APP, hosts="a.test")
    with lib.Nanod([app], workers=1, server_extra={"slowlog": "slow.log",   # nanod runs in s.dir
                                                    "slowlog_threshold": "200ms"}) as s:
        slow = os.path.join(s.dir, "slow.log")
        assert s.get("/fast", host="a.test").status == 200
        assert s.get("/slow", host="a.test").status == 200
        lib.wait_until(lambda: os.path.exists(slow) and open(slow).read().strip(), 5,
                       "a slowlog line")
        objs, bad = lib.read_json_lines(slow)
        assert not bad and len(objs) == 1, (objs, bad)
        o = objs[0]
        assert o["app"] == "a" and o["path"] == "/slow" and o["duration_ms"] >= 290, o
        assert o["cpu_ms"] < 50, o      # waiting, not computing
        os.rename(slow, slow + ".1")
        s.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        assert s.get("/slow", host="a.test").status == 200
        lib.wait_until(lambda: os.path.exists(slow), 5, "a new slowlog after SIGUSR1")


def test_sigusr1_reopens_access_log_and_slowlog():
    """logrotate on all three log files: every line written before SIGUSR1 is in
    the moved file (the access log's batch is flushed first), every line after
    it in the new one. A sink whose path cannot be reopened says so in the error
    log and keeps writing to its old file, and the others are reopened anyway."""
    app = lib.App("a", source=CONSOLE_APP, hosts="a.test")
    sx = {"access_log": "access.log", "slowlog": "slow.log", "slowlog_threshold": "200ms"}
    with lib.Nanod([app], workers=1, server_extra=sx) as s:
        acc, slow = os.path.join(s.dir, "access.log"), os.path.join(s.dir, "slow.log")
        s.wait_workers(1)
        assert s.get("/before", host="a.test").status == 200
        assert s.get("/slow", host="a.test").status == 200
        lib.wait_until(lambda: os.path.exists(slow) and open(slow).read().strip(), 5,
                       "a slowlog line")
        for p in (acc, slow, s.log_path):
            os.rename(p, p + ".1")
        s.send_signal(signal.SIGUSR1)
        lib.wait_until(lambda: os.path.exists(acc) and os.path.exists(slow), 5,
                       "new access.log and slow.log after SIGUSR1")
        assert s.get("/after", host="a.test").status == 200
        assert s.get("/slow", host="a.test").status == 200
        lib.wait_until(lambda: len(lib.read_json_lines(acc)[0]) >= 2
                       and len(lib.read_json_lines(slow)[0]) >= 1, 5, "lines in the new files")
        old_acc, bad1 = lib.read_json_lines(acc + ".1")
        new_acc, bad2 = lib.read_json_lines(acc)
        assert not bad1 and not bad2, (bad1, bad2)
        assert [o["path"] for o in old_acc] == ["/before", "/slow"], old_acc
        assert [o["path"] for o in new_acc] == ["/after", "/slow"], new_acc
        assert [o["path"] for o in lib.read_json_lines(slow + ".1")[0]] == ["/slow"]
        assert [o["path"] for o in lib.read_json_lines(slow)[0]] == ["/slow"]

        # The slowlog's path now names a directory: its reopen fails, the access
        # log's and the error log's do not.
        os.rename(slow, slow + ".2")
        os.mkdir(slow)
        os.rename(acc, acc + ".2")
        s.send_signal(signal.SIGUSR1)
        s.wait_log(lambda o: "cannot reopen the slowlog slow.log" in str(o.get("msg"))
                   and o.get("role") == "worker", what="the worker's failed reopen")
        lib.wait_until(lambda: os.path.exists(acc), 5, "a new access.log")
        assert s.get("/kept", host="a.test").status == 200
        assert s.get("/slow", host="a.test").status == 200
        lib.wait_until(lambda: [o["path"] for o in lib.read_json_lines(acc)[0]]
                       == ["/kept", "/slow"], 5, "the new access log's lines")
        lib.wait_until(lambda: len(lib.read_json_lines(slow + ".2")[0]) == 2, 5,
                       "the slow line in the slowlog's old file")
