"""Hostile tenants against the engine (issue 15 items 3-5): one built-in call
that outruns cpu_limit, the heap's housekeeping charged to an innocent
request, TextDecoder's fatal mode."""

import os
import threading
import time

import lib

LIMIT_MS = 50


def access_lines(s):
    objs, _ = lib.read_json_lines(os.path.join(s.dir, "access.log"))
    return [o for o in objs if "status" in o]


BOMBS = [("/join", "Array.prototype.join"),
         ("/indexOf", "String.prototype.indexOf"),
         ("/includes", "String.prototype.includes"),
         ("/lastIndexOf", "lastIndexOf"),
         ("/split", "String.prototype.split"),
         ("/replace", "String.prototype.replace"),
         ("/sort", "Array.prototype.sort"),
         ("/forEach", "Array.prototype.forEach"),
         ("/arrayIndexOf", "Array.prototype.indexOf"),
         ("/stringify", "JSON.stringify"),
         ("/parse", "JSON.parse"),
         ("/catchjoin", "Array.prototype.join")]


def run_bomb(s, path, where):
    """Reloads the bomb app's heap, runs one bomb; (wall ms, worker CPU ms)."""
    pid = s.worker_pids()[0]
    r = s.get("/", host="bomb.test")
    assert r.status == 200, r
    c0 = lib.thread_cpu_ms(pid)
    t0 = time.monotonic()
    r = lib.request(s.port, "GET", path, host="bomb.test", timeout_s=lib.timeout(60))
    wall = (time.monotonic() - t0) * 1000
    cpu = lib.thread_cpu_ms(pid) - c0
    assert r.status == 503, (path, r)
    assert "cpu_limit exceeded" in r.text and where in r.text, (path, r.text)
    assert "swallowed" not in r.text, (path, r.text)
    return wall, cpu


def bomb_server(workers=1):
    apps = [lib.App("bomb", file="engine_bombs.js", hosts="bomb.test",
                    extra={"cpu_limit": "%dms" % LIMIT_MS, "memory_limit": "256m"}),
            lib.App("good", file="limits_good.js", hosts="good.test")]
    server = {"request_timeout": "60s", "access_log": "access.log"}
    return lib.Nanod(apps, workers=workers, server_extra=server)


def test_native_bombs_stopped_at_cpu_limit():
    """Each built-in bomb (seconds to minutes of CPU before the fix) is answered
    503 "cpu_limit exceeded ... stopped inside <the built-in>" having been
    charged at most 2x cpu_limit; the worker's own CPU for the whole request
    (the 503, the error, the heap dropped) stays small; then, with a neighbour
    app hammering the same worker, the neighbour gets only 200s."""
    with bomb_server() as s:
        pid = s.wait_workers(1)[0]
        measured = [(path,) + run_bomb(s, path, where) for path, where in BOMBS]

        def bomb_lines():           # the access log is written in batches
            got = [o for o in access_lines(s) if o.get("host") == "bomb.test"
                   and o.get("status") == 503]
            return got if len(got) >= len(BOMBS) else None
        lines = lib.wait_until_or_none(bomb_lines, lib.timeout(5))
        assert lines is not None and len(lines) == len(BOMBS), access_lines(s)
        charged = sorted(o["cpu_ms"] for o in lines)
        lib.note("cpu_limit %d ms; charged cpu_ms per bomb: %s" % (
            LIMIT_MS, ", ".join("%.0f" % c for c in charged)))
        lib.note("worker CPU per bomb request, ms: %s" % ", ".join(
            "%s %.0f (wall %.0f)" % (m[0], m[2], m[1]) for m in measured))
        assert max(charged) <= 2 * LIMIT_MS, charged
        # The whole request, the 503 and dropping the heap included: bounded,
        # far from the seconds before the fix (generous for ASan, a busy box).
        assert max(m[2] for m in measured) < 10 * LIMIT_MS, measured
        # Bombs go on until the neighbour has 10 answers (a quick box answers
        # fewer per round): 5 rounds of 4 bombs at most, so a starved
        # neighbour still fails.
        with lib.Neighbour(s, "good.test") as nb:
            for _ in range(5):
                for path, where in BOMBS[:3] + BOMBS[6:7]:
                    run_bomb(s, path, where)
                if len(nb.results) >= 10:
                    break
        assert len(nb.results) >= 10, nb.results
        bad = [x for x in nb.results if x[0] != 200]
        assert not bad, bad[:5]
        assert s.worker_pids() == [pid], "the worker was replaced"


def test_two_bombs_at_once_neighbours_served():
    """Two workers, each busy with a bomb: the neighbour still gets answers
    (before the fix: 0% success for as long as the bombs ran)."""
    with bomb_server(workers=2) as s:
        s.wait_workers(2)
        for _ in range(4):
            s.get("/", host="bomb.test")
        with lib.Neighbour(s, "good.test") as nb:
            for _ in range(3):
                results = []

                def bomb(path):
                    results.append(lib.request(s.port, "GET", path, host="bomb.test",
                                               timeout_s=lib.timeout(60)).status)
                ts = [threading.Thread(target=bomb, args=(p,)) for p in ("/join", "/indexOf")]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join(lib.timeout(60))
                assert results == [503, 503], results
            time.sleep(0.2)
        bad = [x for x in nb.results if x[0] != 200]
        assert not bad, bad[:5]
        slowest = max(t for _, t in nb.results) * 1000
        lib.note("neighbour: %d requests, slowest %.0f ms" % (len(nb.results), slowest))
        # Before the fix each bomb held its worker for 10-100 s; now a neighbour
        # waits at most for a bomb's cpu_limit and the bomb app's reload (a
        # loaded box stretches both: the bound is generous).
        assert slowest < lib.timeout(10) * 1000, slowest


def gc_server(limit):
    apps = [lib.App("gc", file="engine_gc.js", hosts="gc.test",
                    extra={"cpu_limit": limit, "memory_limit": "256m"})]
    return lib.Nanod(apps, workers=1, server_extra={"access_log": "access.log"})


def gc_cpu_ms(s, n, path="/gc"):
    """[(status, worker CPU ms)] of n requests to path, each after
    a "/" that (re)builds the heap if a 503 dropped it. The CPU is the worker
    thread's, read from /proc around the request: what this request cost in
    this server at this moment, however busy the box."""
    pid = s.worker_pids()[0]
    took = []
    for _ in range(n):
        assert s.get("/", host="gc.test").status == 200
        c0 = lib.thread_cpu_ms(pid)
        r = s.get(path, host="gc.test")
        took.append((r.status, lib.thread_cpu_ms(pid) - c0))
        assert r.status in (200, 503), r
        assert r.status == 200 or "cpu_limit exceeded" in r.text, r
    return took


def test_gc_not_charged_to_an_innocent_request():
    """A full mark-and-sweep of the heap (here forced with Duktape.gc(), as
    voluntary GC starts one at whichever request allocates at the wrong time)
    is not charged to the request that runs it: under a cpu_limit below the
    collection's CPU, such a request is answered 200 (before the fix: 503
    cpu_limit exceeded). An app that keeps the collector busy is still
    stopped: the credit is bounded.

    The verdict rests on each request's own cost, measured in the server that
    limits it (the worker thread's CPU around the request), not on a
    collection timed earlier elsewhere: a CPU-hungry neighbour makes a
    collection 1.5x slower or more, and a limit derived from a quiet moment
    then sits on the wrong side of it. Charged = the request's CPU minus the
    collection's credit (at most cpu_limit), so with the credit
      - a /gc request whose CPU T < 1.9 x limit must be 200 (without it, one
        whose collection alone passes the limit is a 503, its T near limit);
      - one whose collection alone took more than the limit (T minus the CPU
        of the same request without the collection, /spin, > 1.1 x limit)
        and was answered 200 proves the credit (/gc spins after collecting,
        so the deadline is surely checked after it: a 200 is not a check
        that happened to fall before the collection's end);
      - T >= 1.9 x limit may legitimately be a 503 (the credit is bounded).
    Requests go on, the limit re-centred on the collections just measured,
    until 3 prove the credit (without it: none ever does)."""
    with gc_server("10s") as s:
        spun = max(x[1] for x in gc_cpu_ms(s, 3, "/spin"))
        gc = sorted(x[1] for x in gc_cpu_ms(s, 5))[2] - spun
    lib.note("unlimited: a full collection %.1f ms of worker CPU, /spin <= %.1f ms" % (gc, spun))
    proofs, seen = 0, []
    for _ in range(4):
        # A proof needs 1.1 x limit < collection < 1.9 x limit - /spin:
        # centre that window on the last collections measured.
        limit = max(2, int((gc + spun / 2) / 1.5))
        with gc_server("%dms" % limit) as s:
            own = max(x[1] for x in gc_cpu_ms(s, 3, "/spin"))
            spun = own
            took = [x[:2] for x in gc_cpu_ms(s, 8)]
            seen.append((limit, own, took))
            lib.note("cpu_limit %d ms, /spin <= %.1f ms; /gc: %s" % (
                limit, own, ", ".join("%d %.1f ms" % x for x in took)))
            for status, t in took:
                if t < 1.9 * limit:
                    assert status == 200, ("charged the collection", limit, status, t, seen)
                if status == 200 and t - own > 1.1 * limit:
                    proofs += 1
            if proofs >= 3:
                # Keeping the collector busy is the app's doing: stopped at
                # cpu_limit + at most cpu_limit of credit + the collection in
                # progress (Duktape.gc() runs two passes) + the 503 and
                # dropping the heap. gc: the costliest /gc just measured here.
                gc = max(x[1] for x in took)
                pid = s.worker_pids()[0]
                c0 = lib.thread_cpu_ms(pid)
                r = s.get("/gcloop", host="gc.test")
                spent = lib.thread_cpu_ms(pid) - c0
                lib.note("a Duktape.gc() loop: %s after %.0f ms of worker CPU" % (r.status, spent))
                assert r.status == 503 and "cpu_limit exceeded" in r.text, r
                assert spent < 2 * limit + 4 * gc + 300, spent
                return
        # Re-centre on the collections this server just ran (a 503'd one
        # was stopped early: its T says only "at least").
        gc = sorted(x[1] - own for x in took)[len(took) // 2]
    raise AssertionError("fewer than 3 requests whose collection passed cpu_limit were "
                         "answered 200: %r" % (seen,))


JSON_ECHO = """export default { fetch: function (request) {
    return request.json().then(function (o) {
        return Response.json({ n: o.n, neg: o.neg, tiny: o.tiny, isInf: o.n === Infinity });
    });
} };
"""


def test_json_body_with_a_huge_exponent_is_parsed():
    """A client's JSON with an exponent past Duktape's limit ('1e99999999'):
    request.json() threw RangeError 'exponent too large' and the app answered
    500, where Workers (V8) reads Infinity, -Infinity and 0 (duk-patches/126).
    A 100-digit exponent too; the neighbour is untouched."""
    apps = [lib.App("j", source=JSON_ECHO, hosts="j.localhost"),
            lib.App("ok", source='module.exports = { fetch: function () '
                                 '{ return new Response("fine"); } };', hosts="ok.localhost")]
    with lib.Nanod(apps) as s:
        for body in (b'{"n": 1e99999999, "neg": -1e99999999, "tiny": 1e-99999999}',
                     b'{"n": 1e' + b"9" * 100 + b', "neg": -2E+' + b"7" * 100
                     + b', "tiny": 3e-' + b"1" * 100 + b'}'):
            r = s.post("/", host="j.localhost", body=body,
                       headers={"content-type": "application/json"})
            assert r.status == 200, (r, r.text)
            # JSON.stringify writes non-finite numbers as null (as V8)
            assert r.json() == {"n": None, "neg": None, "tiny": 0, "isInf": True}, r.text
        r = s.get("/", host="ok.localhost")
        assert r.status == 200 and r.text == "fine", r
