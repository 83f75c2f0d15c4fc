"""Precompiled app bytecode (issue 22): the supervisor's compile check hands
each script's bytecode to the workers, which load it instead of compiling
(common/bytecode.h, supervisor/check.c, worker/app.c).

nanod_script_compiles_total{app} counts the heaps whose script a worker had to
compile itself: 0 while the bytecode path works. ND_TEST_BYTECODE_DAMAGE (a
test-only hook in the compile check's child, supervisor/check.c) damages every
blob on its way, as a bug or a bad copy would: the workers must refuse it, say
so in the log, compile the script and serve exactly as before."""

import json
import os
import re
import signal

import lib

APP = """var loadedAt = "top level ran";

function thrower() {
    throw new Error("boom-from-line-4");
}

module.exports = {
    fetch: function (request) {
        var path = new URL(request.url).pathname;
        if (path === "/throw") {
            thrower();
        }
        return new Response("v1 " + loadedAt);
    }
};
"""
THROW_LINE = 4


def server(apps, workers=2, wrap=(), **extra):
    admin = lib.free_port()
    sx = {"admin_listen": "127.0.0.1:%d" % admin}
    sx.update(extra)
    s = lib.Nanod(apps, workers=workers, server_extra=sx, wrap=wrap)
    s.admin_port = admin
    return s


def metric(s, name, app):
    r = lib.request(s.admin_port, "GET", "/metrics", host="admin")
    assert r.status == 200, r
    m = re.search(r'^%s\{app="%s"\} (\d+)$' % (name, app), r.text, re.M)
    assert m, "no %s{app=%r} in /metrics:\n%s" % (name, app, r.text[:3000])
    return int(m.group(1))


def hit_every_worker(s, host, n=2, expect=None):
    """GETs on fresh connections (spread over the workers by SO_REUSEPORT) until
    n heaps of the app were built, one per worker."""
    app = host.split(".")[0]
    for _ in range(400):
        r = lib.request(s.port, "GET", "/", host=host)
        assert expect is None or (r.status, r.text) == expect, r
        if metric(s, "nanod_heap_builds_total", app) >= n:
            return
    raise AssertionError("not every worker built a heap for %s" % host)


def refused_lines(s):
    return lib.log_lines(s, lib.msg_has("bytecode from the compile check refused"))


def test_workers_load_the_checks_bytecode_and_errors_keep_their_lines():
    with server([lib.App("a", source=APP, hosts="a.test")]) as s:
        s.wait_workers(2)
        hit_every_worker(s, "a.test", expect=(200, "v1 top level ran"))
        assert metric(s, "nanod_heap_builds_total", "a") >= 2
        assert metric(s, "nanod_script_compiles_total", "a") == 0, lib.tail(s.log_path, 30)
        assert not refused_lines(s), lib.tail(s.log_path, 30)
        # a stack trace from code loaded as bytecode names the file and the line
        r = s.get("/throw", host="a.test")
        assert r.status == 500, r
        where = "apps/a.js:%d" % THROW_LINE
        line = s.wait_log(lambda o: o.get("app") == "a" and "boom-from-line-4" in
                          json.dumps(o) and where in str(o.get("stack")),
                          what="an error line whose stack says %s" % where)
        assert "thrower" in str(line.get("stack")), line


def test_reload_with_a_changed_script_loads_the_new_bytecode():
    with server([lib.App("a", source=APP, hosts="a.test")], workers=1) as s:
        s.wait_workers(1)
        r = s.get("/", host="a.test")
        assert (r.status, r.text) == (200, "v1 top level ran"), r
        lib.rewrite(os.path.join(s.dir, "apps", "a.js"),
                    APP.replace('"v1 "', '"v2 "').replace("top level ran", "new top level"))
        lib.reload_and_wait(s)
        lib.wait_until(lambda: lib.body_of(s.port, "a.test") == "v2 new top level",
                       lib.timeout(10), "the new version served")
        assert metric(s, "nanod_script_compiles_total", "a") == 0, lib.tail(s.log_path, 30)
        # a broken edit: reload refuses it with file:line, the last good one serves on
        broken = APP.replace("var loadedAt", "var loadedAt = ;\nvar other")
        lib.rewrite(os.path.join(s.dir, "apps", "a.js"), broken)
        lib.reload_and_wait(s)
        where = "apps/a.js:1:"
        assert lib.log_lines(s, lambda o: where in json.dumps(o)), lib.tail(s.log_path, 30)
        assert lib.body_of(s.port, "a.test") == "v2 new top level"
        assert metric(s, "nanod_script_compiles_total", "a") == 0, lib.tail(s.log_path, 30)


def test_top_level_from_bytecode_still_gets_the_load_limits():
    loop = "var i = 0;\nwhile (true) { i++; }\nmodule.exports = { fetch: function () {} };\n"
    bomb = ("var keep = [], s = 'xxxxxxxx';\nwhile (true) { s = s + s; keep.push(s); }\n"
            "module.exports = { fetch: function () {} };\n")
    apps = [lib.App("loop", source=loop, hosts="loop.test"),
            lib.App("bomb", source=bomb, hosts="bomb.test", extra={"memory_limit": "16m"}),
            lib.App("ok", source=lib.const_app("fine"), hosts="ok.test")]
    with server(apps, workers=1) as s:
        s.wait_workers(1)
        r = s.get("/", host="loop.test", timeout_s=lib.timeout(30))
        assert r.status == 503, r
        s.wait_log(lambda o: o.get("app") == "loop" and
                   "top-level code ran longer than 1 s" in o.get("msg", ""),
                   what="the loop's load stopped by the CPU limit")
        r = s.get("/", host="bomb.test", timeout_s=lib.timeout(30))
        assert r.status == 503, r
        s.wait_log(lambda o: o.get("app") == "bomb" and
                   "top-level code exceeded memory_limit" in o.get("msg", ""),
                   what="the bomb's load stopped by memory_limit")
        r = s.get("/", host="ok.test")
        assert (r.status, r.text) == (200, "fine"), r
        for app in ("loop", "bomb", "ok"):
            assert metric(s, "nanod_script_compiles_total", app) == 0, app


def damaged(how, why):
    apps = [lib.App("a", source=APP, hosts="a.test"),
            lib.App("b", source=lib.const_app("b fine"), hosts="b.test")]
    with server(apps, wrap=("env", "ND_TEST_BYTECODE_DAMAGE=" + how)) as s:
        s.wait_workers(2)
        hit_every_worker(s, "a.test", expect=(200, "v1 top level ran"))
        hit_every_worker(s, "b.test", expect=(200, "b fine"))
        lines = lib.wait_log_count(s, lambda o: o.get("app") == "a" and
                                   "bytecode from the compile check refused" in o.get("msg", ""),
                                   2, what="a refusal per worker of app a")
        assert all(why in l["msg"] and "compiling" in l["msg"] for l in lines), lines
        assert metric(s, "nanod_script_compiles_total", "a") == 2
        assert metric(s, "nanod_script_compiles_total", "b") == 2
        # the compiled copy serves errors with their lines too
        r = s.get("/throw", host="a.test")
        assert r.status == 500, r
        s.wait_log(lambda o: "apps/a.js:%d" % THROW_LINE in str(o.get("stack")),
                   what="a stack with apps/a.js:%d" % THROW_LINE)
        # a heap rebuilt in the same worker reuses the worker's own compile
        assert len(refused_lines(s)) == 4, lib.tail(s.log_path, 30)


def test_damaged_bytecode_is_refused_and_the_script_compiled():
    damaged("flip", "damaged (checksum mismatch)")


def test_truncated_bytecode_is_refused_and_the_script_compiled():
    damaged("truncate", "truncated")
