"""Command line: -V, -h, -t (config check with file:line errors), -p, bad first start."""

import os
import re

import lib

GOOD_JS = lib.const_app("ok")


def server_section(listen="127.0.0.1:18080", extra=()):
    return ["[server]",
            "listen = %s" % listen,
            "workers = 1",
            "error_log = stderr",
            "graceful_timeout = 30s"] + list(extra)


def app_section(name, hosts=None, script=None, extra=()):
    lines = ["", "[app:%s]" % name, "script = %s" % (script or "apps/%s.js" % name)]
    lines.append("hosts = %s" % (hosts if hosts is not None else name + ".localhost"))
    return lines + list(extra)


def write(d, lines, scripts=None, ini="apps.ini"):
    """Writes d/ini from lines and the scripts ({relpath: source}; default: a good
    script for every `script = apps/X.js` line). Returns (path, text)."""
    text = "\n".join(lines) + "\n"
    if scripts is None:
        scripts = {}
        for line in lines:
            m = re.match(r"\s*script\s*=\s*(\S+)", line)
            if m:
                scripts[m.group(1)] = GOOD_JS
    path = os.path.join(d, ini)
    files = {ini: text}
    base = os.path.dirname(ini)
    for rel, src in scripts.items():
        files[os.path.join(base, rel) if base else rel] = src
    lib.write_files(d, files)
    return path, text


def error_lines(res, file):
    """Lines of stderr of the form FILE:LINE: message, as [(line, message)]."""
    out = []
    for ln in res.stderr.splitlines():
        if ln.startswith(file + ":"):
            m = re.match(r"(\d+): (.*)$", ln[len(file) + 1:])
            if m:
                out.append((int(m.group(1)), m.group(2)))
    return out


def assert_error(res, file, line, keywords, count=1, exact=None, rc=1):
    """nanod -t failed with exit rc (1: apps.ini has errors; 3: only apps are broken) and
    printed FILE:LINE: <msg> with one of keywords (case-insensitive) in msg; `count` such
    located lines for `file` in all."""
    assert res.rc == rc, "want exit %d, got %r" % (rc, res)
    errs = error_lines(res, file)
    hits = [m for ln, m in errs if ln == line]
    assert hits, "no line starting with %s:%d: in stderr: %r" % (file, line, res)
    if exact is not None:
        assert exact in ["%s:%d: %s" % (file, line, m) for m in hits], \
            "want exactly %r in stderr: %r" % (exact, res)
    kws = [keywords] if isinstance(keywords, str) else list(keywords)
    assert any(k.lower() in m.lower() for m in hits for k in kws), \
        "%s:%d: message %r mentions none of %r" % (file, line, hits, kws)
    if count is not None:
        assert len(errs) == count, "want %d located error line(s) for %s, got %d: %r" % (
            count, file, len(errs), res)
    assert ": ok," not in res.stderr, "error run also says ok: %r" % res


def check(lines, scripts=None):
    """Writes and checks a config; returns (res, path, text)."""
    with lib.tempdir() as d:
        path, text = write(d, lines, scripts)
        res = lib.check_config(path)
        return res, path, text


# ---------------------------------------------------------------- -V -h

def test_version():
    r = lib.run_cli(["-V"])
    assert r.rc == 0, r
    assert r.output.strip(), "-V printed nothing: %r" % r
    assert re.search(r"\d", r.output), "-V output has no version number: %r" % r


def test_help():
    r = lib.run_cli(["-h"])
    assert r.rc == 0, r
    out = r.output
    assert "usage" in out.lower(), "-h output has no usage: %r" % r
    for opt in ("-c", "-t"):
        assert opt in out, "-h usage does not mention %s: %r" % (opt, r)


def test_bad_option():
    r = lib.run_cli(["-Z"])
    assert r.rc != 0, "unknown option accepted: %r" % r


# ---------------------------------------------------------------- -t good

def test_check_ok():
    with lib.tempdir() as d:
        lines = (server_section() +
                 app_section("cjs", "cjs.localhost, *.cjs.example.com",
                             extra=["default = yes", "env.GREETING = hello"]) +
                 app_section("esm") + app_section("sw"))
        scripts = {"apps/cjs.js": lib.read_app("format_cjs.js"),
                   "apps/esm.js": lib.read_app("format_esm.js"),
                   "apps/sw.js": lib.read_app("format_sw.js")}
        path, _ = write(d, lines, scripts)
        r = lib.check_config(path)
        assert r.rc == 0, r
        assert "%s: ok, 3 apps" % path in r.stderr.splitlines(), \
            "want the line %r on stderr: %r" % ("%s: ok, 3 apps" % path, r)


def test_check_ok_one_app_all_server_keys():
    with lib.tempdir() as d:
        lines = ["[server]",
                 "listen = 127.0.0.1:18080, 127.0.0.1:18081   ; two listeners",
                 "workers = auto",
                 "error_log = %s/error.log" % d,
                 "graceful_timeout = 30s",
                 "",
                 "[app:hello]",
                 "script = apps/hello.js             ; relative to the directory of apps.ini",
                 "hosts = hello.localhost, *.hello.example.com",
                 "default = no",
                 "env.GREETING = hello"]
        path, _ = write(d, lines, {"apps/hello.js": lib.read_app("hello.js")})
        r = lib.check_config(path)
        assert r.rc == 0, r
        assert re.search(r"^%s: ok, 1 apps?$" % re.escape(path), r.stderr, re.M), r


# ---------------------------------------------------------------- -t errors

def test_check_unknown_key():
    lines = server_section() + app_section("blog", extra=["hostnme = blog.example.com"])
    r, path, text = check(lines)
    line = lib.line_of(text, "hostnme")
    assert_error(r, path, line, "hostnme",
                 exact='%s:%d: unknown key "hostnme" in [app:blog]' % (path, line))


def test_check_unknown_key_server():
    lines = server_section(extra=["wrokers = 2"]) + app_section("blog")
    r, path, text = check(lines)
    assert_error(r, path, lib.line_of(text, "wrokers"), "wrokers",
                 exact='%s:%d: unknown key "wrokers" in [server]' % (
                     path, lib.line_of(text, "wrokers")))


def test_check_unknown_section():
    lines = server_section() + app_section("blog") + ["", "[bogus]", "x = 1"]
    r, path, text = check(lines)
    # Whether its keys are reported too is left open (count=None).
    assert_error(r, path, lib.line_of(text, "[bogus]"), ("section", "bogus"), count=None)


def test_check_duplicate_key():
    lines = server_section() + app_section("blog", extra=["hosts = other.localhost"])
    r, path, text = check(lines)
    assert_error(r, path, lib.line_of(text, "hosts = other.localhost"), "duplicate")


def test_check_duplicate_key_server():
    lines = server_section(extra=["workers = 2"]) + app_section("blog")
    r, path, text = check(lines)
    assert_error(r, path, lib.line_of(text, "workers", nth=2), "duplicate")


def test_check_bad_number():
    lines = server_section()
    lines[2] = "workers = two"
    lines += app_section("blog")
    r, path, text = check(lines)
    assert_error(r, path, lib.line_of(text, "workers = two"),
                 ("workers", "number", "invalid", "two"))


def test_check_bad_duration():
    lines = server_section()
    lines[4] = "graceful_timeout = 3x"
    lines += app_section("blog")
    r, path, text = check(lines)
    assert_error(r, path, lib.line_of(text, "graceful_timeout"),
                 ("graceful_timeout", "duration", "3x"))


def test_check_bad_size():
    lines = server_section(extra=["max_body_size = 12q"]) + app_section("blog")
    r, path, text = check(lines)
    assert_error(r, path, lib.line_of(text, "max_body_size"), ("size", "12q"))


def test_check_bad_listen():
    for bad in ("127.0.0.1:99999", "999.1.1.1:8080", "127.0.0.1:http", "[::1:8080"):
        r, path, text = check(server_section(listen=bad) + app_section("blog"))
        try:
            assert_error(r, path, lib.line_of(text, "listen ="), ("listen", "address", "port"))
        except AssertionError as e:
            raise AssertionError("listen = %s: %s" % (bad, e))


def test_check_bad_listen_second_of_two():
    r, path, text = check(server_section(listen="127.0.0.1:18080, 127.0.0.1:0x") +
                          app_section("blog"))
    assert_error(r, path, lib.line_of(text, "listen ="), ("listen", "address", "port", "0x"))


def test_check_duplicate_host():
    cases = [
        # (hosts of app a, hosts of app b)
        ("x.localhost", "y.localhost, x.localhost"),
        ("*.example.com", "*.example.com"),
        ("x.localhost", "X.LocalHost."),          # the same host once normalized
    ]
    for ha, hb in cases:
        lines = server_section() + app_section("a", ha) + app_section("b", hb)
        r, path, text = check(lines)
        try:
            line = lib.line_of(text, "hosts = %s" % hb, nth=2 if ha == hb else 1)
            assert_error(r, path, line, "duplicate")  # at the later one
        except AssertionError as e:
            raise AssertionError("a: %s / b: %s: %s" % (ha, hb, e))


def test_check_two_defaults():
    lines = (server_section() + app_section("a", extra=["default = yes"]) +
             app_section("b", extra=["default = yes"]))
    r, path, text = check(lines)
    assert_error(r, path, lib.line_of(text, "default = yes", nth=2), "default")


def test_check_missing_script():
    lines = server_section() + app_section("blog", script="apps/nope.js")
    r, path, text = check(lines, scripts={})
    assert_error(r, path, lib.line_of(text, "script = apps/nope.js"),
                 ("not found", "no such file"), rc=3)


def test_check_syntax_error():
    src = ("module.exports = {\n"
           "    fetch: function (request) {\n"
           "        var x = );\n"                    # line 3
           "        return new Response(\"x\");\n"
           "    }\n"
           "};\n")
    with lib.tempdir() as d:
        path, _ = write(d, server_section() + app_section("bad") + app_section("good"),
                        {"apps/bad.js": src, "apps/good.js": GOOD_JS})
        r = lib.check_config(path)
        script = os.path.dirname(path) + "/apps/bad.js"
        assert_error(r, script, 3, "SyntaxError", rc=3)
        assert re.search(r"^%s:3: SyntaxError: " % re.escape(script), r.stderr, re.M), r


def test_check_syntax_error_every_script():
    bad1 = "var a = 1;\nvar b = 2;\nvar c = a +* b;\nmodule.exports = {};\n"       # line 3
    bad2 = "// x\n\n\n\nfunction f( {\n}\n"                                      # line 5
    with lib.tempdir() as d:
        path, _ = write(d, server_section() + app_section("one") + app_section("two") +
                        app_section("good"),
                        {"apps/one.js": bad1, "apps/two.js": bad2, "apps/good.js": GOOD_JS})
        r = lib.check_config(path)
        base = os.path.dirname(path)
        assert_error(r, base + "/apps/one.js", 3, "SyntaxError", rc=3)
        assert_error(r, base + "/apps/two.js", 5, "SyntaxError", rc=3)


def test_check_multiple_errors():
    lines = ["[server]",
             "listen = 127.0.0.1:notaport",
             "workers = 1",
             "error_log = stderr",
             "graceful_timeout = 3x",
             "",
             "[app:blog]",
             "script = apps/blog.js",
             "hosts = blog.localhost",
             "hostnme = blog.example.com",
             "script = apps/blog.js",
             "",
             "[nope]"]
    r, path, text = check(lines)
    want = {2: ("listen", "address", "port"), 5: ("graceful_timeout", "duration", "3x"),
            10: ("hostnme",), 11: ("duplicate",), 13: ("section", "nope")}
    for line, kws in want.items():
        assert_error(r, path, line, kws, count=None)
    got = sorted(ln for ln, _ in error_lines(r, path))
    assert got == sorted(want), "want errors at lines %s, got %s: %r" % (sorted(want), got, r)


def test_check_relative_path():
    """FILE is the -c path as given; scripts are relative to its directory."""
    with lib.tempdir() as d:
        lines = server_section() + app_section("blog", extra=["hostnme = x"])
        write(d, lines, ini="conf/apps.ini")
        r = lib.check_config("conf/apps.ini", cwd=d)
        assert_error(r, "conf/apps.ini", len(lines), "hostnme",
                     exact='conf/apps.ini:%d: unknown key "hostnme" in [app:blog]' % len(lines))

    with lib.tempdir() as d:
        lines = server_section() + app_section("blog")
        write(d, lines, {"apps/blog.js": "var a = ;\n"}, ini="conf/apps.ini")
        r = lib.check_config("conf/apps.ini", cwd=d)
        assert_error(r, "conf/apps/blog.js", 1, "SyntaxError", rc=3)

    with lib.tempdir() as d:
        lines = server_section() + app_section("blog")
        write(d, lines, ini="conf/apps.ini")
        r = lib.check_config("conf/apps.ini", cwd=d)
        assert r.rc == 0 and "conf/apps.ini: ok, 1 app" in r.stderr, r


# ---------------------------------------------------------------- start-up

def test_bad_first_start_exits_78():
    with lib.tempdir() as d:
        lines = (server_section(listen="127.0.0.1:%d" % lib.free_port()) +
                 app_section("blog", extra=["hostnme = x"]))
        path, text = write(d, lines)
        r = lib.run_cli(["-c", path])
        assert r.rc == 78, "want exit 78 (EX_CONFIG) on a bad first start: %r" % r
        assert "%s:%d:" % (path, lib.line_of(text, "hostnme")) in r.output, \
            "the error's location is not printed: %r" % r


def test_pidfile():
    with lib.Nanod([lib.App("hello", file="hello.js", hosts="hello.localhost")],
                   args=["-p", "{dir}/nanod.pid"]) as s:
        pidfile = os.path.join(s.dir, "nanod.pid")
        got = lib.wait_until(lambda: os.path.exists(pidfile) and open(pidfile).read().strip(),
                             lib.timeout(5), "the pid file")
        assert got == str(s.pid), "pid file says %r, supervisor is %d" % (got, s.pid)
        assert s.get(host="hello.localhost").status == 200
