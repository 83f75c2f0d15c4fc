"""A tenant can reach the flat header list C reads (headers._list) and put a
getter on an element: native.fetchStart and the response's head (bind_http.c
convert_head, under native.respond and native.dispatch) measured the list,
then copied it, so a value that grew between the two reads wrote past the
scratch buffer (heap overflow in a worker shared by tenants). Each element
is read once now."""

import lib

HOST = "t.localhost"

APP = r"""
function growing(l) {
  var n = 0, big = "AAAAAAAAAAAAAAAA";
  while (big.length < 65536) { big = big + big; }
  l.push("x-grow", "v");
  Object.defineProperty(l, l.length - 1, { get: function () { return n++ === 0 ? "" : big; } });
}
export default {
  fetch: function (request, env, ctx) {
    var p = new URL(request.url).pathname;
    if (p === "/fetch") {
      var rq = new Request("http://upstream.invalid/", { headers: { "x-a": "1" } });
      growing(rq.headers._list);
      try {
        return fetch(rq).then(function () { return new Response("fetched"); },
                              function (e) { return new Response("rejected: " + e); });
      } catch (e) {
        return new Response("threw: " + e);
      }
    }
    if (p === "/respond") {
      var r = new Response("x");
      growing(r.headers._list);
      return r;
    }
    return new Response("ok");
  }
};
"""


def check(path):
    with lib.Nanod([lib.App("t", source=APP, hosts=HOST, extra={"cpu_limit": "1000ms"})]) as s:
        r = s.get(path, host=HOST)
        # whatever the answer (an error, or the headers as last read), the
        # worker must survive it (an ASan report fails the run) and serve on
        assert r.status == 200 and r.body.startswith((b"fetched", b"rejected", b"x")), r
        r = s.get("/", host=HOST)
        assert r.status == 200 and r.body == b"ok", r


def test_fetch_header_list_growing_between_passes():
    check("/fetch")


def test_response_header_list_growing_between_passes():
    check("/respond")
