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
