"""Tenant isolation and limits (issue 7): one app's loop, memory bomb, regex
catastrophe, exception or hang never hurts its neighbour in the same worker."""

import time

import lib


def bad_and_good(bad_extra=None, server_extra=None):
    # 4m: the bomb reaches the cap in a few doublings, well inside cpu_limit
    # even under ASan.
    # cpu_backoff_after = 0: these tests break cpu_limit many times in a row on
    # purpose and measure each kill; test_fairness covers the back-off.
    extra = {"cpu_limit": "50ms", "memory_limit": "4m", "cpu_backoff_after": "0"}
    extra.update(bad_extra or {})
    apps = [lib.App("bad", file="limits_bad.js", hosts="bad.test", extra=extra),
            lib.App("good", file="limits_good.js", hosts="good.test")]
    server = {"request_timeout": "2s"}
    server.update(server_extra or {})
    return lib.Nanod(apps, workers=1, server_extra=server)


Neighbour = lib.Neighbour


def assert_neighbour_fine(nb, worst_ms):
    """Every neighbour request 200, none delayed past worst_ms: by its wall
    time, or where the Neighbour knows the worker (pid), by its wall time
    less the time the worker and the client waited for a CPU (a busy box's
    scheduler stretches a wall time however fast the server is)."""
    assert len(nb.results) >= 20, "too few neighbour requests: %d" % len(nb.results)
    bad = [r for r in nb.results if r[0] != 200]
    assert not bad, "neighbour failures: %r" % bad[:5]
    wall = max(t for _, t in nb.results) * 1000
    slowest = max(nb.delays) if nb.pid else wall
    lib.note("neighbour: %d requests, slowest %.0f ms (wall %.0f ms)" % (
        len(nb.results), slowest, wall))
    assert slowest < worst_ms, "neighbour request took %.0f ms (limit %d)" % (slowest, worst_ms)


def count_of(s):
    r = s.get("/", host="bad.test")
    assert r.status == 200, r
    return int(r.text.split()[0].split("=")[1])


def test_misbehaving_tenant_isolated():
    """Each misbehaviour gets its documented status; the neighbour gets 100% 200
    with no more delay than the CPU limit (plus scheduling); the worker pid is
    unchanged; the bad app works again afterwards."""
    cases = [("/loop", 503, "cpu_limit exceeded"),
             ("/catchloop", 503, "cpu_limit exceeded"),
             ("/natives", 503, "cpu_limit exceeded"),
             ("/bomb", 503, "memory_limit exceeded"),
             ("/objs", 503, None),              # memory or CPU, whichever comes first
             ("/regex", 503, "cpu_limit exceeded"),
             ("/throw", 500, None),
             ("/never", 504, "request_timeout")]
    with bad_and_good() as s:
        pid = s.wait_workers(1)[0]
        assert count_of(s) == 1
        with Neighbour(s, pid=pid) as nb:
            for path, status, text in cases:
                sw = lib.Stopwatch(pid)
                r = s.get(path, host="bad.test")
                took = sw.ms() / 1000
                assert r.status == status, (path, r)
                if text:
                    assert text in r.text, (path, r)
                if status == 503:
                    assert took < 1.5, "%s took %.2fs" % (path, took)
                r = s.get("/", host="bad.test")
                assert r.status == 200, (path, "after", r)
            time.sleep(0.2)
        # catchloop swallows the timeout: it is cut off within ~100 ms more.
        assert_neighbour_fine(nb, worst_ms=600)
        assert s.worker_pids() == [pid], "the worker was replaced"
        s.wait_log(lambda o: o.get("app") == "bad" and "cpu_limit exceeded" in o["msg"],
                   what="cpu_limit log line")
        s.wait_log(lambda o: o.get("app") == "bad" and "memory_limit exceeded" in o["msg"],
                   what="memory_limit log line")
        s.wait_log(lambda o: o.get("app") == "bad" and "request_timeout" in o["msg"],
                   what="request_timeout log line")


def test_limit_rebuilds_heap():
    """After a limit kill the heap is fresh: global state starts over."""
    with bad_and_good() as s:
        assert count_of(s) == 1
        assert count_of(s) == 2
        assert s.get("/loop", host="bad.test").status == 503
        assert count_of(s) == 1, "heap was not rebuilt after cpu_limit"
        assert count_of(s) == 2
        assert s.get("/bomb", host="bad.test").status == 503
        assert count_of(s) == 1, "heap was not rebuilt after memory_limit"
        # A script that catches the failed allocation and answers anyway
        # still broke memory_limit: 503 and a fresh heap, as on Workers.
        r = s.get("/catchbomb", host="bad.test")
        assert r.status == 503 and "memory_limit exceeded" in r.text, r
        assert count_of(s) == 1, "heap was not rebuilt after a caught memory_limit"
        # An exception does not rebuild: state survives.
        assert s.get("/throw", host="bad.test").status == 500
        assert count_of(s) == 3


def test_cpu_limit_precision():
    """A loop under cpu_limit = 100ms is stopped near 100 ms of CPU, not much
    later. Measured as the worker thread's CPU time around each request, not
    wall time, which a loaded box stretches however precise the limit is."""
    with bad_and_good(bad_extra={"cpu_limit": "100ms"}) as s:
        s.get("/", host="bad.test")
        pid = s.worker_pids()[0]
        took, wall = [], []
        for _ in range(5):
            c0, t0 = lib.thread_cpu_ms(pid), time.monotonic()
            r = s.get("/loop", host="bad.test")
            wall.append((time.monotonic() - t0) * 1000)
            took.append(lib.thread_cpu_ms(pid) - c0)
            assert r.status == 503, r
        took.sort()
        lib.note("cpu_limit 100 ms: worker CPU %s ms (wall %s ms)" % (
            ", ".join("%.0f" % t for t in took), ", ".join("%.0f" % t for t in sorted(wall))))
        # The heap is rebuilt on the request after a kill: that compile is
        # part of the next /loop's CPU too, well under the 150 ms of slack.
        assert 95 <= took[len(took) // 2] < 250, took


def test_eval_disabled_at_load_and_request_time():
    with bad_and_good() as s:
        r = s.get("/", host="bad.test")
        assert r.status == 200 and "load=EvalError" in r.text, r    # as on Workers
        for path in ("/eval", "/function", "/ctor"):
            r = s.get(path, host="bad.test")
            assert r.status == 500, (path, r)
        s.wait_log(lambda o: "code generation from strings" in o.get("msg", ""),
                   what="EvalError in the log")


def test_size_limits():
    with bad_and_good(server_extra={"max_body_size": "1k", "max_url_size": "512",
                                    "max_header_size": "2k"}) as s:
        r = s.post("/", host="good.test", body=b"x" * 1024)
        assert r.status == 200, r
        r = s.post("/", host="good.test", body=b"x" * 1025)
        assert r.status == 413, r
        r = s.get("/" + "a" * 600, host="good.test")
        assert r.status == 414, r
        r = s.get("/", host="good.test", headers={"X-Big": "v" * 3000})
        assert r.status == 431, r
        r = s.get("/", host="good.test")
        assert r.status == 200, r


def test_per_app_body_limit():
    apps = [lib.App("small", file="limits_good.js", hosts="small.test",
                    extra={"max_body_size": "100"}),
            lib.App("big", file="limits_good.js", hosts="big.test")]
    with lib.Nanod(apps, workers=1) as s:
        assert s.post("/", host="small.test", body=b"x" * 101).status == 413
        assert s.post("/", host="small.test", body=b"x" * 100).status == 200
        assert s.post("/", host="big.test", body=b"x" * 5000).status == 200


def test_lru_eviction():
    """max_loaded_apps = 2 with 5 apps: all answer right, and a per-app counter
    proves heaps were evicted (state reset) and rebuilt."""
    apps = [lib.App("a%d" % i, file="limits_good.js", hosts="a%d.test" % i) for i in range(5)]
    with lib.Nanod(apps, workers=1, server_extra={"max_loaded_apps": "2"}) as s:
        seen = []
        for rnd in range(3):
            for i in range(5):
                r = s.get("/", host="a%d.test" % i)
                assert r.status == 200 and r.text.startswith("good "), r
                seen.append(int(r.text.split()[1]))
        # With 5 apps cycling through 2 slots every request lands on a fresh heap.
        assert seen == [1] * 15, seen
        # Hitting one app repeatedly keeps its heap.
        assert [int(s.get("/", host="a0.test").text.split()[1]) for _ in range(3)] == [1, 2, 3]
