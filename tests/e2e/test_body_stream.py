"""Request/Response .body of a buffered body (lazy/body-stream.js): taken
whole, e.g. hono's `new Response(c.res.body, c.res)` after a middleware set a
header, it is sent without the streams polyfill; read as a stream it is one;
a body used once cannot be used again."""

import lib

HOST = "body.localhost"

APP = r"""
function readAll(reader, out, dec) {
    return reader.read().then(function (x) {
        if (x.done) { return out; }
        return readAll(reader, out + dec.decode(x.value, { stream: true }), dec);
    });
}
module.exports = {
    fetch: function (request) {
        var url = new URL(request.url), res, src, r, r2;
        if (url.pathname === "/rebuild") {
            // what hono does after next(): a new Response over the old one's body
            res = new Response(JSON.stringify({ ok: true, n: 2 }),
                               { status: 201, headers: { "content-type": "application/json" } });
            res = new Response(res.body, res);
            res.headers.set("x-powered-by", "Hono");
            return res;
        }
        if (url.pathname === "/bytes") {
            src = new Response(new Uint8Array([0, 1, 2, 255]));
            return new Response(src.body, { headers: { "x-len": "4" } });
        }
        if (url.pathname === "/echo") {
            // a request body forwarded through .body
            return new Response(request.body, { headers: { "x-method": request.method } });
        }
        if (url.pathname === "/reader") {
            // read as a stream: chunks through a reader
            r = new Response("streamed " + url.searchParams.get("q"));
            return readAll(r.body.getReader(), "", new TextDecoder()).then(function (out) {
                return new Response(out + " used=" + r.bodyUsed);
            });
        }
        if (url.pathname === "/used") {
            // the same body twice: the second owner fails, as in the standard
            r = new Response("once");
            r2 = new Response(r.body);
            return r.text().then(function () { return r2; });
        }
        if (url.pathname === "/twice") {
            r = new Response("once");
            return r.text().then(function () {
                try {
                    r2 = new Response(r.body);
                    return new Response("no error");
                } catch (e) {
                    return new Response(e.name + ": " + e.message, { status: 409 });
                }
            });
        }
        return new Response("?", { status: 404 });
    }
};
"""


def _srv():
    return lib.Nanod([lib.App("body", source=APP, hosts=HOST)])


def test_rebuilt_response_keeps_body_status_and_headers():
    with _srv() as srv:
        r = srv.get("/rebuild", host=HOST)
        assert r.status == 201, r
        assert r.json() == {"ok": True, "n": 2}, r
        assert r.header("x-powered-by") == "Hono", r
        assert r.header("content-type") == "application/json", r
        assert r.header("content-length") == str(len(r.body)), r
        r = srv.get("/bytes", host=HOST)
        assert r.status == 200 and r.body == bytes([0, 1, 2, 255]), r
        assert r.header("x-len") == "4", r


def test_request_body_forwarded_through_body():
    with _srv() as srv:
        r = srv.post("/echo", host=HOST, body=b"payload \x00\xff")
        assert r.status == 200 and r.body == b"payload \x00\xff", r
        assert r.header("x-method") == "POST", r


def test_body_read_as_a_stream():
    with _srv() as srv:
        for q in ("a", "b"):
            r = srv.get("/reader?q=" + q, host=HOST)
            assert r.status == 200 and r.text == "streamed %s used=true" % q, r


def test_a_body_used_once_cannot_be_used_again():
    with _srv() as srv:
        r = srv.get("/used", host=HOST)
        assert r.status == 500, r
        msgs = [e.get("msg", "") for e in srv.log()]
        assert any("body stream is already locked" in m for m in msgs), msgs
        r = srv.get("/twice", host=HOST)
        assert r.status == 409 and r.text.startswith("TypeError: "), r
        # the worker serves on
        r = srv.get("/rebuild", host=HOST)
        assert r.status == 201, r
