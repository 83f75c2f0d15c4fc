"""setTimeout/setInterval ordering and limits, ctx.waitUntil."""

import signal
import time

import lib
from test_fetch import Upstream

HOST = "t.localhost"


def app(up=None, **extra):
    ex = {"fetch_allow": "127.0.0.1", "cpu_limit": "1s"}
    ex.update(extra)
    return lib.App("t", file="timer_order.js", hosts=HOST, env={"UP": up.url("") if up else ""},
                   extra=ex)


def test_timers_ordering():
    with lib.Nanod([app()]) as s:
        r = s.get("/order", host=HOST)
        assert r.status == 200, r
        j = r.json()
        assert j["ids"] == ["number", True], j
        assert j["log"] == ["micro", "t0a", "micro-after-t0a", "t0b", "nested0", "t40", "t80:xy",
                            "iv1", "iv2", "iv3"], j


def test_timers_nested_clamp_and_strings():
    with lib.Nanod([app()]) as s:
        j = s.get("/nested", host=HOST).json()
        assert j["ms"] >= 15, j         # levels 6..10: >= 4 ms each
        j = s.get("/string", host=HOST).json()
        assert j["threw"] == "TypeError", j


def test_timer_of_answered_request_never_fires():
    with lib.Nanod([app()]) as s:
        assert s.get("/orphan", host=HOST).status == 200
        time.sleep(0.3)
        assert not lib.log_lines(s, lib.msg_has("orphan timer fired")), lib.tail(s.log_path)


def test_timer_exception_is_logged():
    with lib.Nanod([app()]) as s:
        r = s.get("/throws", host=HOST)
        assert r.status == 200 and r.json() == {"after": True}, r
        s.wait_log(lib.msg_has("boom in a timer"))


def test_timers_cancelled_by_request_timeout():
    with lib.Nanod([app(request_timeout="200ms")]) as s:
        r = s.get("/stuck", host=HOST)
        assert r.status == 504, r
        time.sleep(0.5)
        assert not lib.log_lines(s, lib.msg_has("stuck timer fired")), lib.tail(s.log_path)
        assert s.get("/nested", host=HOST).status == 200


def test_wait_until_completes_after_response():
    with Upstream() as up, lib.Nanod([app(up)]) as s:
        t0 = time.monotonic()
        r = s.get("/wait?what=a&ms=400", host=HOST)
        took = time.monotonic() - t0
        assert r.status == 200 and r.json() == {"sent": True}, r
        assert took < 0.35, took
        assert not up.hits
        lib.wait_until(lambda: up.hits, lib.timeout(5), "the waitUntil fetch")
        assert up.hits[0][1] == {"what": "a"}, up.hits
        assert up.hits[0][0] - t0 >= 0.39, up.hits


def test_graceful_stop_waits_for_wait_until():
    with Upstream() as up, lib.Nanod([app(up)]) as s:
        r = s.get("/wait?what=b&ms=700", host=HOST)
        assert r.status == 200
        s.stop(signal.SIGQUIT, timeout_s=lib.timeout(10))
        assert [h[1] for h in up.hits] == [{"what": "b"}], up.hits


def test_wait_until_timeout():
    with lib.Nanod([app(wait_until_timeout="300ms")]) as s:
        assert s.get("/forever", host=HOST).status == 200
        s.wait_log(lib.msg_has("wait_until_timeout"), timeout_s=lib.timeout(5))
        # and a graceful stop is not held up by it any more
        s.stop(signal.SIGQUIT, timeout_s=lib.timeout(5))
