"""The JavaScript side: module formats, env, request, response, promises, errors."""

import json
import random

import lib


def check_format(fmt):
    app = lib.App(fmt, file="format_%s.js" % fmt, hosts="%s.localhost" % fmt)
    with lib.Nanod([app]) as s:
        r = s.get("/", host="%s.localhost" % fmt)
        assert r.status == 200 and r.text == "format %s" % fmt, r


def test_format_commonjs():
    check_format("cjs")


def test_format_es_module_default_export():
    check_format("esm")


def test_format_service_worker():
    check_format("sw")


def test_formats_side_by_side():
    apps = [lib.App(f, file="format_%s.js" % f, hosts="%s.localhost" % f)
            for f in ("cjs", "esm", "sw")]
    with lib.Nanod(apps) as s:
        for _ in range(3):
            for f in ("sw", "cjs", "esm"):
                r = s.get("/", host="%s.localhost" % f)
                assert r.status == 200 and r.text == "format %s" % f, (f, r)


def test_env_binding():
    apps = [lib.App("one", file="env.js", hosts="one.localhost",
                    env={"GREETING": "hello", "OTHER": "two words here"}),
            lib.App("two", file="env.js", hosts="two.localhost", env={"GREETING": "bonjour"})]
    with lib.Nanod(apps) as s:
        r = s.get("/", host="one.localhost")
        assert r.status == 200, r
        assert r.json() == {"greeting": "hello", "other": "two words here",
                            "absent": "undefined"}, r
        r = s.get("/", host="two.localhost")
        assert r.status == 200, r
        assert r.json() == {"greeting": "bonjour", "absent": "undefined"}, r


def echo_server():
    return lib.Nanod([lib.App("echo", file="echo.js", hosts="echo.localhost")])


def assert_echo(s, body):
    r = s.post("/", host="echo.localhost", body=body,
               headers={"Content-Type": "text/plain; charset=utf-8"})
    assert r.status == 200, r
    assert r.body == body, "echo of %d bytes came back as %d bytes: sent %r... got %r..." % (
        len(body), len(r.body), body[:60], r.body[:60])
    cl = r.header("content-length")
    assert cl is None or int(cl) == len(body), r


def test_post_echo_text():
    with echo_server() as s:
        assert_echo(s, b"hello world")
        assert_echo(s, "h\u00e9llo \u2713".encode("utf-8"))
        assert_echo(s, ("\u65e5\u672c\u8a9e \u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9 "
                        "\u2603 end").encode("utf-8"))
        assert_echo(s, b"")
        assert_echo(s, b"line1\r\nline2\n\ttabbed \"quoted\" \\ back")


def test_post_echo_100k():
    rnd = random.Random(7)
    body = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789 \n")
                   for _ in range(100 * 1024)).encode("ascii")
    with echo_server() as s:
        assert_echo(s, body)
        # and once more with UTF-8 of the same size class
        assert_echo(s, ("\u00e9\u2713x" * 17000).encode("utf-8"))


def test_post_echo_chunked():
    with echo_server() as s:
        req = (b"POST / HTTP/1.1\r\nHost: echo.localhost\r\nTransfer-Encoding: chunked\r\n"
               b"Connection: close\r\n\r\n"
               b"5\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n")
        out = s.raw(req)
        rs = lib.parse_responses(out)
        assert rs and rs[0].status == 200 and rs[0].body == b"hello world!", out


def test_request_method_url_headers():
    app = lib.App("inspect", file="inspect.js", hosts="inspect.localhost")
    with lib.Nanod([app]) as s:
        r = s.get("/path/x?q=1&r=two", host="inspect.localhost", headers={"X-Test": "abc 123"})
        assert r.status == 200, r
        j = r.json()
        assert j["method"] == "GET", j
        assert j["url"] == "http://inspect.localhost/path/x?q=1&r=two", j
        assert j["xTest"] == "abc 123" and j["xTestLower"] == "abc 123" and \
            j["xTestUpper"] == "abc 123", j
        assert j["missing"] is None, "headers.get of an absent header: want null, got %r" % j
        assert j["envType"] == "object" and j["ctxType"] == "object", j

        for method in ("POST", "PUT", "DELETE", "PATCH"):
            r = s.request(method, "/m", host="inspect.localhost", body=b"x")
            assert r.status == 200 and r.json()["method"] == method, (method, r)

        host = "inspect.localhost:%d" % s.port
        r = s.get("/", host=host)
        assert r.json()["url"] == "http://%s/" % host, r


def test_response_status_and_headers():
    app = lib.App("resp", file="responses.js", hosts="resp.localhost")
    with lib.Nanod([app]) as s:
        r = s.get("/status", host="resp.localhost")
        assert r.status == 201 and r.text == "created", r
        assert r.header("x-a") == "1", r
        assert r.header("x-multi-word") == "v", r
        r = s.get("/teapot", host="resp.localhost")
        assert r.status == 418 and r.text == "short and stout", r
        # statusText goes on the status line (one byte per char: a ByteString);
        # without it, the standard reason phrase.
        head = s.raw(b"GET /reason HTTP/1.1\r\nHost: resp.localhost\r\n\r\n", until_close=False)
        assert head.startswith(b"HTTP/1.1 200 All Good \xe9\r\n"), head
        head = s.raw(b"GET /teapot HTTP/1.1\r\nHost: resp.localhost\r\n\r\n", until_close=False)
        assert head.startswith(b"HTTP/1.1 418 I'm a teapot\r\n"), head
        r = s.get("/elsewhere", host="resp.localhost")
        assert r.status == 404 and r.text == "not here", r


def test_response_json():
    app = lib.App("resp", file="responses.js", hosts="resp.localhost")
    with lib.Nanod([app]) as s:
        r = s.get("/json", host="resp.localhost")
        assert r.status == 200, r
        assert r.header("content-type", "").startswith("application/json"), r
        assert r.json() == {"a": 1, "b": "two", "c": [True, None],
                            "d": "h\u00e9llo \u2713"}, r


def test_handler_returns_promise():
    app = lib.App("resp", file="responses.js", hosts="resp.localhost")
    with lib.Nanod([app]) as s:
        r = s.get("/promise", host="resp.localhost")
        assert r.status == 200 and r.text == "resolved", r
        r = s.get("/promise-new", host="resp.localhost")
        assert r.status == 202 and r.text == "constructed", r
        r = s.get("/promise-chain", host="resp.localhost")
        assert r.status == 200 and r.text == "chain 2", r
        r = s.post("/text-then", host="resp.localhost", body=b"abcd")
        assert r.status == 200 and r.text == "len 4", r


def error_logged(s, needle, what):
    return s.wait_log(lambda o: o.get("level") == "error" and o.get("app") == "bad" and
                      needle in json.dumps(o, ensure_ascii=False) and "stack" in o,
                      what='an error line with "app":"bad", %r and "stack" (%s)' % (needle, what))


def bad_and_good():
    return [lib.App("bad", file="bad.js", hosts="bad.localhost"),
            lib.App("good", file="hello.js", hosts="good.localhost")]


def test_handler_throw_500():
    with lib.Nanod(bad_and_good(), workers=1) as s:
        pid = s.wait_workers(1)
        r = s.get("/throw", host="bad.localhost")
        assert r.status == 500, r
        line = error_logged(s, "boom-throw", "throw")
        assert "thrower" in str(line.get("stack")) or "boom-throw" in str(line.get("stack")), line
        for i in range(40):
            r = s.get("/throw", host="bad.localhost")
            assert r.status == 500, (i, r)
            if i % 10 == 0:
                r = s.get("/", host="good.localhost")
                assert r.status == 200 and r.text == "hello", (i, r)
        r = s.get("/", host="good.localhost")
        assert r.status == 200 and r.text == "hello", r
        r = s.get("/", host="bad.localhost")          # the bad app itself still works
        assert r.status == 200 and r.text == "bad-ok", r
        assert s.worker_pids() == pid, "worker changed: %s -> %s" % (pid, s.worker_pids())


def test_handler_reject_500():
    with lib.Nanod(bad_and_good(), workers=1) as s:
        pid = s.wait_workers(1)
        for path, needle in (("/reject", "boom-reject"), ("/reject-later", "boom-later")):
            r = s.get(path, host="bad.localhost")
            assert r.status == 500, (path, r)
            error_logged(s, needle, path)
        for i in range(30):
            r = s.get("/reject" if i % 2 else "/reject-later", host="bad.localhost")
            assert r.status == 500, (i, r)
        r = s.get("/", host="good.localhost")
        assert r.status == 200 and r.text == "hello", r
        assert s.worker_pids() == pid, "worker changed: %s -> %s" % (pid, s.worker_pids())


def test_errors_on_keepalive_connection():
    """A 500 does not break the connection's framing: more requests follow on it."""
    with lib.Nanod(bad_and_good(), workers=1) as s:
        conn = s.connection()
        try:
            for i in range(5):
                r = lib.conn_request(conn, "GET", "/throw", host="bad.localhost")
                assert r.status == 500, (i, r)
                r = lib.conn_request(conn, "GET", "/", host="good.localhost")
                assert r.status == 200 and r.text == "hello", (i, r)
        finally:
            conn.close()
