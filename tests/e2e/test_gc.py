"""The heap's housekeeping between requests (issue 22): garbage that only
mark-and-sweep frees (reference cycles) is collected between macrotasks, so
it never piles up under load, and the collection is charged to nobody."""

import lib

# Every request leaves a reference cycle holding 256 KB (one string of its
# own, so a handful of allocations: Duktape's own trigger, counted in allocations,
# would not collect it for thousands of requests).
CYCLES = """
var n = 0;
module.exports = { fetch: function (request) {
    n++;
    var a = { big: "x".repeat(262144 - String(n).length) + n };
    a.self = a;
    var f = function () { return a; };
    a.f = f;
    return new Response("ok " + n + " " + a.big.length);
} };
"""


def _rss_kb(pid):
    with open("/proc/%d/statm" % pid) as f:
        return int(f.read().split()[1]) * 4


def test_cyclic_garbage_does_not_pile_up():
    """200 requests leave 50 MB of cyclic garbage: the worker's RSS grows by
    far less (without the between-request collection it grew by ~50 MB).
    ASan's quarantine is off so that freed memory is reused as in release."""
    app = lib.App("c", source=CYCLES, hosts="c.test",
                  extra={"memory_limit": "512m", "cpu_limit": "1s"})
    with lib.Nanod([app], workers=1, asan_options="quarantine_size_mb=0") as s:
        conn = s.connection()
        for i in range(20):
            r = lib.conn_request(conn, "GET", "/", host="c.test")
            assert r.status == 200 and r.text.endswith(" 262144"), r
        before = _rss_kb(s.worker_pids()[0])
        for i in range(200):
            r = lib.conn_request(conn, "GET", "/", host="c.test")
            assert r.status == 200, (i, r)
        after = _rss_kb(s.worker_pids()[0])
        conn.close()
        lib.note("worker RSS %d -> %d KB" % (before, after))
        assert after - before < 20 * 1024, "worker RSS grew %d -> %d KB" % (before, after)
        s.stop()


# A reference cycle with a finalizer that never returns (/loop), or one that
# swallows the RangeError and loops (/catch), holding 1 MB so that the
# collection between requests is due after each (the heap's first request
# makes it due anyway).
FINALIZER_LOOP = """
module.exports = { fetch: function (request) {
    var a = { big: "x".repeat(1048576) }, path = new URL(request.url).pathname;
    a.self = a;
    if (path === "/catch") {
        Duktape.fin(a, function () { for (;;) { try { for (;;) {} } catch (e) {} } });
    } else if (path === "/loop") {
        Duktape.fin(a, function () { for (;;) {} });
    }
    a = null;
    return new Response("made " + path);
} };
"""
GOOD = 'module.exports = { fetch: function () { return new Response("good"); } };\n'


def test_finalizer_loop_in_a_collection_between_requests_is_stopped():
    """Finalizers run by the housekeeping collection between requests are the
    tenant's code too: one that loops forever is stopped at its cpu_limit
    (before: no deadline there, the worker hung with every app in it), one
    that catches the RangeError and loops on is cut off and its heap dropped.
    The neighbour on the same worker keeps getting answers, and so does the
    app itself."""
    apps = [lib.App("fin", source=FINALIZER_LOOP, hosts="fin.test",
                    extra={"cpu_limit": "50ms"}),
            lib.App("good", source=GOOD, hosts="good.test")]
    with lib.Nanod(apps, workers=1) as s:
        for path in ("/loop", "/loop", "/catch", "/loop"):
            r = lib.request(s.port, "GET", path, host="fin.test", timeout_s=lib.timeout(20))
            assert r.status == 200 and r.text == "made " + path, (path, r)
            r = lib.request(s.port, "GET", "/", host="good.test", timeout_s=lib.timeout(20))
            assert (r.status, r.text) == (200, "good"), (path, r)
        s.wait_log(lambda o: o.get("app") == "fin" and "finalizers" in o.get("msg", ""),
                   what="the stopped finalizer's log line")
        r = lib.request(s.port, "GET", "/", host="fin.test", timeout_s=lib.timeout(20))
        assert (r.status, r.text) == (200, "made /"), r
