"""The per-request bridge in C (native.dispatch, worker/js/bind_http.c) and its
Response fast path: every way a handler can answer, through a real nanod."""

import lib

HOST = "d.localhost"

APP = r"""
function Sub(body) { Response.call(this, body); }      /* an ES5 subclass of Response */
Sub.prototype = Object.create(Response.prototype);
Sub.prototype.constructor = Sub;
export default {
  fetch: function (request, env, ctx) {
    var p = new URL(request.url).pathname;
    if (p === "/plain") { return new Response("Hello World"); }
    if (p === "/head") {
      return new Response("made", { status: 201, statusText: "Made It",
                                    headers: { "x-a": "1", "content-type": "text/x-made" } });
    }
    if (p === "/utf8") { return new Response("\u00e9\u20ac\ud83d\ude00|\ud800|\udc00|end"); }
    if (p === "/bytes") { return new Response(new Uint8Array([0, 255, 10, 13])); }
    if (p === "/empty") { return new Response(null, { status: 204 }); }
    if (p === "/json") { return Response.json({ a: [1, "two"] }); }
    if (p === "/sub") { return new Sub("from a subclass"); }
    if (p === "/promise") { return Promise.resolve(new Response("later")); }
    if (p === "/error") { return Response.error(); }
    if (p === "/used") {
      var r = new Response("once");
      r.text();
      return r;
    }
    if (p === "/like") { return { status: 200, body: "not a Response" }; }
    if (p === "/throw") {
      Promise.resolve().then(function () { console.log("microtask ran after the throw"); });
      throw new TypeError("thrown by the handler");
    }
    if (p === "/throw-string") { throw "a bare string"; }
    if (p === "/request") {
      return request.text().then(function (body) {
        return Response.json({ method: request.method, url: request.url, body: body,
                               ua: request.headers.get("user-agent"),
                               ctx: typeof ctx.waitUntil, env: typeof env });
      });
    }
    if (p === "/wait") {
      ctx.waitUntil(new Promise(function (res) {
        setTimeout(function () { console.log("waitUntil done"); res(); }, 50);
      }));
      return new Response("answered first");
    }
    return new Response("no route", { status: 404 });
  }
};
"""


def server():
    return lib.Nanod([lib.App("d", source=APP, hosts=HOST)])


def test_responses_through_the_c_fast_path():
    with server() as s:
        r = s.get("/plain", host=HOST)
        assert r.status == 200 and r.body == b"Hello World", r
        assert r.header("content-type") == "text/plain;charset=UTF-8", r
        assert r.header("content-length") == "11", r
        r = s.get("/head", host=HOST)
        assert r.status == 201 and r.body == b"made", r
        assert r.reason == "Made It", r
        assert r.header("x-a") == "1" and r.header("content-type") == "text/x-made", r
        r = s.get("/utf8", host=HOST)
        # lone surrogates become U+FFFD; a pair becomes one 4-byte character
        want = "\u00e9\u20ac\U0001F600|\ufffd|\ufffd|end".encode("utf-8")
        assert r.status == 200 and r.body == want, (r, r.body)
        r = s.get("/bytes", host=HOST)
        assert r.body == b"\x00\xff\n\r", r
        r = s.get("/empty", host=HOST)
        assert r.status == 204 and r.body == b"", r
        r = s.get("/json", host=HOST)
        assert r.status == 200 and r.json() == {"a": [1, "two"]}, r
        assert r.header("content-type") == "application/json", r
        r = s.get("/sub", host=HOST)
        assert r.status == 200 and r.body == b"from a subclass", r
        r = s.get("/promise", host=HOST)
        assert r.status == 200 and r.body == b"later", r


def test_what_is_not_a_plain_response():
    with server() as s:
        r = s.get("/error", host=HOST)
        assert r.status == 500, r
        s.wait_log(lambda o: "Response.error()" in o.get("msg", ""), what="Response.error log")
        r = s.get("/used", host=HOST)
        assert r.status == 500, r
        s.wait_log(lambda o: "already used" in o.get("msg", ""), what="used body log")
        r = s.get("/like", host=HOST)
        assert r.status == 500, r
        s.wait_log(lambda o: "not a Response" in o.get("msg", ""), what="not a Response log")
        r = s.get("/plain", host=HOST)
        assert r.status == 200, r


def test_handler_errors_and_microtasks():
    with server() as s:
        r = s.get("/throw", host=HOST)
        assert r.status == 500, r
        s.wait_log(lambda o: "TypeError: thrown by the handler" in o.get("msg", "")
                   and "dispatch (bootstrap/bind_http.c)" in o.get("stack", ""),
                   what="the handler's error with its stack")
        s.wait_log(lambda o: "microtask ran after the throw" in o.get("msg", ""),
                   what="the microtask queued before the throw")
        r = s.get("/throw-string", host=HOST)
        assert r.status == 500, r
        s.wait_log(lambda o: "uncaught a bare string" in o.get("msg", ""), what="bare throw")
        r = s.get("/plain", host=HOST)
        assert r.status == 200 and r.body == b"Hello World", r


def test_request_env_ctx_and_wait_until():
    with server() as s:
        r = s.post("/request?q=1", host=HOST, body=b"the body",
                   headers={"User-Agent": "dispatch-test"})
        assert r.status == 200, r
        j = r.json()
        assert j == {"method": "POST", "url": "http://d.localhost/request?q=1",
                     "body": "the body", "ua": "dispatch-test", "ctx": "function",
                     "env": "object"}, j
        r = s.get("/wait", host=HOST)
        assert r.status == 200 and r.body == b"answered first", r
        s.wait_log(lambda o: "waitUntil done" in o.get("msg", ""), what="waitUntil's work")


# native.dispatch makes the Context (ctx) only for a handler that can see a
# third argument (nd_duk_sees_arg: three formals, `arguments` (or a direct
# eval, which apps cannot run), or not a plain ECMAScript function); each of
# these must still get it.
CTX_APPS = {
    "args": "export default { fetch: function (request) {\n"
            "  return new Response(typeof arguments[2] + ' ' + typeof arguments[2].waitUntil\n"
            "                      + ' ' + arguments.length); } };",
    "sloppy": "module.exports = { fetch: function (request) {\n"
              "  var a = arguments; return new Response(typeof a[2].waitUntil); } };",
    "bound": "function f() { return new Response(typeof arguments[2].waitUntil); }\n"
             "export default { fetch: f.bind(null) };",
    "three": "export default { fetch: function (a, b, c) {\n"
             "  return new Response(typeof c.waitUntil + ' ' + typeof b); } };",
    "two": "export default { fetch: function (request, env) {\n"
           "  return new Response(request.method + ' ' + typeof env); } };",
    "inner": "export default { fetch: function (request) {\n"
             "  var n = (function () { return arguments.length; })(1, 2);\n"
             "  return new Response('inner ' + n); } };",
}


def test_ctx_made_for_every_handler_that_can_see_it():
    apps = [lib.App("c" + k, source=v, hosts="%s.localhost" % k) for k, v in CTX_APPS.items()]
    want = {"args": b"object function 3", "sloppy": b"function", "bound": b"function",
            "three": b"function object", "two": b"GET object", "inner": b"inner 2"}
    with lib.Nanod(apps) as s:
        for _ in range(2):
            for k, body in want.items():
                r = s.get("/", host="%s.localhost" % k)
                assert r.status == 200 and r.body == body, (k, r, r.body)


def test_url_and_headers_of_each_request_with_the_memo():
    """The last URL and header block are kept per heap and pushed again when the
    next request has the same bytes (nd_js_push_memo): alternating requests of
    the same lengths, a long URL (not kept) and a repeat must each see their own."""
    app = lib.App("m", hosts="m.localhost", source=(
        "export default { fetch: function (request) {\n"
        "  return new Response(request.url + ' ' + request.headers.get('x-t')); } };"))
    long_path = "/" + "l" * 3000
    with lib.Nanod([app]) as s:
        for path, t in [("/a?x=1", "one"), ("/b?x=2", "two"), ("/b?x=2", "two"),
                        ("/a?x=1", "two"), ("/a?x=1", "one"), (long_path, "one"),
                        (long_path, "two"), ("/b?x=2", "one"), ("/b?x=2", "one")]:
            r = s.get(path, host="m.localhost", headers={"X-T": t})
            want = ("http://m.localhost%s %s" % (path, t)).encode()
            assert r.status == 200 and r.body == want, (path, t, r, r.body[:100])
