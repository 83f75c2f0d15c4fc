"""Fairness between tenants (issue 15 items 6, 7, 8, 12b): a CPU hog is shed
with 503 + Retry-After (cpu_backoff) and its neighbour keeps its throughput,
max_concurrent_requests, the CPU of timers and of the waitUntil tail counts
against cpu_limit, per-app log_rate / log_line_max, and the request_id of the
wait_until_timeout line."""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

import lib

HOG_JS = """
module.exports = { fetch: function (request) { while (true) {} } };
"""

HELLO_JS = """
module.exports = { fetch: function (request) { return new Response("hi"); } };
"""

# The hog's client: 8 keep-alive connections, each sending the next request as
# soon as the last answer arrived, until it is killed. It runs at nice 19 so
# that on a busy 2-core box the test measures nanod's fairness, not the CPU the
# test's own hog client takes from the neighbour's client. What it got is read
# from nanod's metrics (the client itself is SIGKILLed).
HOG_CLIENT = r"""
import socket, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[2])
REQ = b"GET / HTTP/1.1\r\nHost: hog.test\r\n\r\n"
def one(sock, buf):
    sock.sendall(REQ)
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise ConnectionError("closed")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    m = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
    size = int(m[0].split(b":", 1)[1]) if m else 0
    while len(rest) < size:
        d = sock.recv(65536)
        if not d:
            raise ConnectionError("closed")
        rest += d
    return rest[size:]
def run():
    sock, buf = None, b""
    while True:
        try:
            if sock is None:
                sock, buf = socket.create_connection(("127.0.0.1", port), timeout=30), b""
            buf = one(sock, buf)
        except Exception:
            if sock is not None:
                sock.close()
            sock = None
ts = [threading.Thread(target=run, daemon=True) for i in range(n)]
for t in ts:
    t.start()
for t in ts:
    t.join()
"""


# The neighbour's client, in its own process (no GIL shared with the test
# runner's other threads): 4 keep-alive connections sending back to back. It
# drives the hog's client too: runs 1 s with the hog going (its back-off
# starts), then alternates phases with the hog stopped (SIGSTOP) and running
# (SIGCONT), ending on an alone phase; prints the 200s per phase as JSON.
NEIGHBOUR_CLIENT = r"""
import json, os, signal, socket, sys, threading, time
port, hog, phase, rounds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
REQ = b"GET / HTTP/1.1\r\nHost: good.test\r\n\r\n"
ok, bad, lock, stop = [0], [], threading.Lock(), threading.Event()
def run():
    sock, buf = None, b""
    while not stop.is_set():
        try:
            if sock is None:
                sock, buf = socket.create_connection(("127.0.0.1", port), timeout=30), b""
            sock.sendall(REQ)
            while b"\r\n\r\n" not in buf:
                d = sock.recv(65536)
                if not d:
                    raise ConnectionError("closed")
                buf += d
            head, _, rest = buf.partition(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            m = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            size = int(m[0].split(b":", 1)[1]) if m else 0
            while len(rest) < size:
                d = sock.recv(65536)
                if not d:
                    raise ConnectionError("closed")
                rest += d
            buf = rest[size:]
            with lock:
                if status == 200:
                    ok[0] += 1
                else:
                    bad.append(status)
        except Exception as e:
            with lock:
                bad.append(repr(e))
            if sock is not None:
                sock.close()
            sock = None
def measure(seconds):
    with lock:
        n0 = ok[0]
    time.sleep(seconds)
    with lock:
        return ok[0] - n0
ts = [threading.Thread(target=run, daemon=True) for i in range(4)]
for t in ts:
    t.start()
os.kill(hog, signal.SIGCONT)
out = {"first": measure(1.0), "alone": [], "hogged": []}
for i in range(rounds):
    os.kill(hog, signal.SIGSTOP)
    out["alone"].append(measure(phase))
    os.kill(hog, signal.SIGCONT)
    out["hogged"].append(measure(phase))
os.kill(hog, signal.SIGSTOP)
out["alone"].append(measure(phase))
stop.set()
with lock:
    out["bad"] = bad[:5]
sys.stdout.write(json.dumps(out) + "\n")
sys.stdout.flush()
os._exit(0)
"""


def neighbour_phase(port, seconds, conns=4):
    """Requests answered 200 to the neighbour in `seconds`, on `conns`
    keep-alive connections sending back to back."""
    ok, other = [0] * conns, []
    end = time.monotonic() + seconds

    def run(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=lib.timeout(10))
        while time.monotonic() < end:
            try:
                r = lib.conn_request(conn, "GET", "/", host="good.test")
                if r.status == 200:
                    ok[i] += 1
                else:
                    other.append(r.status)
            except Exception as e:      # a failure is a result too
                other.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=lib.timeout(10))
        conn.close()

    ts = [threading.Thread(target=run, args=(i,)) for i in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(seconds + lib.timeout(15))
    return sum(ok), other


def metric(text, name, **labels):
    """The value of one sample of Prometheus text (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        head, _, v = line.rpartition(" ")
        if all('%s="%s"' % kv in head for kv in labels.items()):
            total += float(v)
    return total


def admin_metrics(port):
    return lib.request(port, "GET", "/metrics", host="admin").text


def test_hog_neighbour_keeps_throughput():
    """8 connections of a while(true) app against a hello neighbour on the same
    2 workers: the neighbour keeps >= 80% of the throughput it had alone.
    Measured in this test in 24 alternating half-second phases (the hog's
    client stopped with SIGSTOP while the neighbour runs alone), so that load
    from elsewhere on a shared box hits both sides alike, and the totals are
    compared. The first second of the hog (the 3 kills per worker that start
    its back-off) is measured and reported, not compared. On a box so loaded
    that a half-second phase swings 10x, one measurement can miss by chance:
    up to 3 are made (without the back-off the neighbour keeps ~1%)."""
    apps = [lib.App("hog", source=HOG_JS, hosts="hog.test"),
            lib.App("good", source=HELLO_JS, hosts="good.test")]
    phase, rounds = 0.5, 12
    admin = lib.free_port()
    with lib.Nanod(apps, workers=2,
                   server_extra={"admin_listen": "127.0.0.1:%d" % admin}) as s:
        neighbour_phase(s.port, 0.5)                    # warm both heaps
        hog = subprocess.Popen([sys.executable, "-c", HOG_CLIENT, str(s.port), "8"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=lambda: os.nice(19))
        runs = []
        try:
            for attempt in range(3):
                nb = subprocess.run([sys.executable, "-c", NEIGHBOUR_CLIENT, str(s.port),
                                     str(hog.pid), str(phase), str(rounds)],
                                    stdout=subprocess.PIPE, timeout=lib.timeout(60))
                r = json.loads(nb.stdout.decode())
                alone, hogged = r["alone"], r["hogged"]
                # Each hog phase sits between two alone phases: their mean is its base.
                base = sum((alone[i] + alone[i + 1]) / 2.0 for i in range(rounds))
                r["ratio"] = sum(hogged) / max(base, 1)
                r["base"] = base
                runs.append(r)
                assert not r["bad"], "neighbour got non-200: %r" % r["bad"]
                if r["ratio"] >= 0.8:
                    break
        finally:
            hog.kill()
            hog.wait(lib.timeout(20))
        m = admin_metrics(admin)
        counts = {"shed": metric(m, "nanod_shed_requests_total", app="hog",
                                 reason="cpu_backoff"),
                  "cpu_kills": metric(m, "nanod_limit_kills_total", app="hog", limit="cpu")}
        summary = "; ".join(
            "neighbour requests per %.1f s alone %r, with the hog %r: %.0f%% (%d of %.0f), "
            "first second of the hog %d" % (phase, r["alone"], r["hogged"], r["ratio"] * 100,
                                            sum(r["hogged"]), r["base"], r["first"])
            for r in runs) + "; hog: %r" % counts
        lib.note(summary)
        sys.stderr.write("fairness: %s\n" % summary)
        assert runs[-1]["ratio"] >= 0.8, summary
        # The hog hammered and was refused without running.
        assert counts["shed"] >= 50 and counts["shed"] > 5 * counts["cpu_kills"], summary
        warn = lib.log_lines(s, lambda l: l.get("app") == "hog"
                             and "cpu_backoff" in l.get("msg", ""))
        assert warn, "no cpu_backoff line in the log"


def test_cpu_backoff_answer_metrics_and_recovery():
    """After cpu_backoff_after kills in a row the app is refused at once (503,
    Retry-After, a body that says why), counted per app; when the back-off ends
    and the app answers again, it is served normally."""
    js = """
    var bad = true;
    module.exports = { fetch: function (request) {
        if (request.url.indexOf("/fix") >= 0) { bad = false; }
        if (bad) { while (true) {} }
        return new Response("fine");
    } };
    """
    admin = lib.free_port()
    apps = [lib.App("hog", source=js, hosts="hog.test",
                    extra={"cpu_backoff_after": "2", "cpu_backoff": "1500ms",
                           "cpu_backoff_max": "3s"}),
            lib.App("good", source=HELLO_JS, hosts="good.test")]
    with lib.Nanod(apps, workers=1,
                   server_extra={"admin_listen": "127.0.0.1:%d" % admin}) as s:
        for _ in range(2):
            r = s.get("/", host="hog.test")
            assert r.status == 503 and "cpu_limit exceeded" in r.text, r
        t0 = time.monotonic()
        r = s.get("/fix", host="hog.test")
        took = time.monotonic() - t0
        assert r.status == 503 and r.header("retry-after") in ("1", "2"), r
        assert "cpu_backoff" in r.text and "cpu_limit exceeded" in r.text, r
        assert took < lib.timeout(1.0), "a shed request took %.3f s" % took
        assert s.get("/", host="good.test").status == 200
        m = admin_metrics(admin)
        assert metric(m, "nanod_shed_requests_total", app="hog", reason="cpu_backoff") == 1, m
        # The heap was discarded by the kill; /fix after the back-off loads a
        # new one (bad = true again) where /fix sets bad = false first.
        lib.wait_until(lambda: s.get("/fix", host="hog.test").status == 200,
                       lib.timeout(6), "the app served again after its back-off")
        assert s.get("/", host="hog.test").text == "fine"


def test_max_concurrent_requests():
    """Past max_concurrent_requests in flight in a worker, a request of that app
    gets 503 with Retry-After at once; another app is not affected."""
    js = """
    module.exports = { fetch: function (request) {
        return new Promise(function (resolve) {
            setTimeout(function () { resolve(new Response("slow")); }, 1500);
        });
    } };
    """
    admin = lib.free_port()
    apps = [lib.App("slow", source=js, hosts="slow.test",
                    extra={"max_concurrent_requests": "2"}),
            lib.App("good", source=HELLO_JS, hosts="good.test")]
    with lib.Nanod(apps, workers=1,
                   server_extra={"admin_listen": "127.0.0.1:%d" % admin}) as s:
        results = []
        ts = [threading.Thread(target=lambda: results.append(s.get("/", host="slow.test")))
              for _ in range(2)]
        for t in ts:
            t.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        r = s.get("/", host="slow.test")
        took = time.monotonic() - t0
        assert r.status == 503 and r.header("retry-after") == "1", r
        assert "max_concurrent_requests" in r.text, r
        assert took < lib.timeout(1.0), took
        assert s.get("/", host="good.test").status == 200
        for t in ts:
            t.join(lib.timeout(10))
        assert sorted(x.status for x in results) == [200, 200], results
        assert s.get("/", host="slow.test").status == 200       # room again
        m = admin_metrics(admin)
        assert metric(m, "nanod_shed_requests_total", app="slow",
                      reason="max_concurrent_requests") == 1, m


def worker_cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


INTERVALS_JS = """
module.exports = { fetch: function (request, env, ctx) {
    var n = 0, i;
    function tick() { n++; for (var k = 0; k < 50; k++) {} }
    for (i = 0; i < 10000; i++) { setInterval(tick, 1); }
    if (request.url.indexOf("/tail") >= 0) {
        ctx.waitUntil(new Promise(function () {}));
        return new Response("answered");
    }
    return new Promise(function () {});     // never answers by itself
} };
"""


def test_timers_count_against_cpu_limit():
    """10,000 setIntervals of a request that never answers: their CPU is the
    request's; it gets 503 cpu_limit soon, not after request_timeout (30 s),
    and the worker stops burning CPU."""
    # cpu_limit 1s: setting 10,000 timers fits in it even under ASan.
    apps = [lib.App("spin", source=INTERVALS_JS, hosts="spin.test",
                    extra={"cpu_limit": "1s"}),
            lib.App("good", source=HELLO_JS, hosts="good.test")]
    with lib.Nanod(apps, workers=1) as s:
        t0 = time.monotonic()
        r = s.get("/", host="spin.test", timeout_s=lib.timeout(40))
        took = time.monotonic() - t0
        assert r.status == 503 and "used by the request's timers" in r.text, r
        assert took < lib.timeout(10), "answered after %.1f s" % took
        pid = s.worker_pids()[0]
        c0 = worker_cpu_s(pid)
        time.sleep(2)
        used = worker_cpu_s(pid) - c0
        assert used < 0.5, "the worker used %.2f s of CPU in 2 s after the answer" % used
        assert s.get("/", host="good.test").status == 200


def test_wait_until_tail_cpu_bounded():
    """10,000 setIntervals + ctx.waitUntil(a promise that never settles): the
    work after the response has its own cpu_limit; then it is cancelled and
    logged with the request's x-request-id (not 30 s of a worker's CPU)."""
    # cpu_limit 1s: setting 10,000 timers fits in it even under ASan.
    apps = [lib.App("spin", source=INTERVALS_JS, hosts="spin.test",
                    extra={"cpu_limit": "1s"}),
            lib.App("good", source=HELLO_JS, hosts="good.test")]
    with lib.Nanod(apps, workers=1) as s:
        r = s.get("/tail", host="spin.test", headers={"x-request-id": "tail-7"})
        assert r.status == 200 and r.text == "answered", r
        s.wait_log(lambda l: l.get("app") == "spin" and "after the response" in l.get("msg", "")
                   and l.get("request_id") == "tail-7", lib.timeout(10),
                   "the tail's cpu_limit line with its request_id")
        pid = s.worker_pids()[0]
        c0 = worker_cpu_s(pid)
        time.sleep(2)
        used = worker_cpu_s(pid) - c0
        assert used < 0.5, "the worker used %.2f s of CPU in 2 s after the tail" % used
        assert s.get("/", host="good.test").status == 200


def test_wait_until_timeout_request_id():
    """The wait_until_timeout line names the request by its x-request-id."""
    js = """
    module.exports = { fetch: function (request, env, ctx) {
        ctx.waitUntil(new Promise(function () {}));
        return new Response("ok");
    } };
    """
    apps = [lib.App("w", source=js, hosts="w.test", extra={"wait_until_timeout": "300ms"})]
    with lib.Nanod(apps, workers=1) as s:
        r = s.get("/", host="w.test", headers={"x-request-id": "wu-42"})
        assert r.status == 200, r
        line = s.wait_log(lambda l: "after wait_until_timeout" in l.get("msg", ""), lib.timeout(10),
                          "the wait_until_timeout line")
        assert line.get("request_id") == "wu-42", line


FLOOD_JS = """
module.exports = { fetch: function (request) {
    var big = new Array(10241).join("x"), i, p = request.url;
    if (p.indexOf("/log") >= 0) { for (i = 0; i < 200; i++) { console.log(big); } }
    if (p.indexOf("/reject") >= 0) { for (i = 0; i < 1000; i++) { Promise.reject(new Error("r" + i)); } }
    if (p.indexOf("/deep") >= 0) { var f = function (n) { return f(n + 1) + 1; }; f(0); }
    return new Response("flooded");
} };
"""

QUIET_JS = """
module.exports = { fetch: function (request) {
    console.log("quiet line " + request.headers.get("x-n"));
    return new Response("quiet");
} };
"""


def test_log_flood_is_capped():
    """console.log of 10 KB x 200, 1,000 unhandled rejections and deep-recursion
    errors per request, with the default limits (log_rate = 100 lines/s,
    log_line_max = 8k): lines past the rate are dropped and counted, long ones
    cut, one line a second says how many were dropped, and a quiet neighbour's
    lines all get through."""
    admin = lib.free_port()
    apps = [lib.App("flood", source=FLOOD_JS, hosts="flood.test"),
            lib.App("quiet", source=QUIET_JS, hosts="quiet.test")]
    with lib.Nanod(apps, workers=1,
                   server_extra={"admin_listen": "127.0.0.1:%d" % admin}) as s:
        start = os.path.getsize(s.log_path)
        t0 = time.monotonic()
        n = 0
        while time.monotonic() - t0 < 2.0:
            for p in ("/log", "/reject", "/deep"):
                r = s.get(p, host="flood.test")
                assert r.status in (200, 500), r
            assert s.get("/", host="quiet.test", headers={"x-n": str(n)}).status == 200
            n += 1
        elapsed = time.monotonic() - t0
        s.wait_log(lambda l: "log lines dropped in the last 1 s" in l.get("msg", "")
                   and l.get("app") == "flood", lib.timeout(5), "the dropped-lines report")
        grown = os.path.getsize(s.log_path) - start
        flood = lib.log_lines(s, lambda l: l.get("app") == "flood"
                              and "dropped" not in l.get("msg", ""))
        # 100 lines a second (plus a window of slack) of at most ~8 KB each.
        cap = 100 * (elapsed + 2)
        lib.note("%d requests in %.1f s: %d flood lines, log +%d bytes" % (
            n * 3, elapsed, len(flood), grown))
        assert len(flood) <= cap, "%d flood lines in %.1f s (cap %d)" % (len(flood), elapsed,
                                                                        cap)
        assert grown < cap * 8600, "the error log grew %d bytes in %.1f s" % (grown, elapsed)
        assert any("cut: log_line_max" in l.get("msg", "") for l in flood)
        quiet = lib.log_lines(s, lambda l: l.get("app") == "quiet"
                              and l.get("msg", "").startswith("quiet line"))
        assert len(quiet) == n, "quiet app: %d of %d lines" % (len(quiet), n)
        m = admin_metrics(admin)
        assert metric(m, "nanod_log_lines_dropped_total", app="flood") > 1000, m
        assert metric(m, "nanod_log_lines_truncated_total", app="flood") > 0, m
        assert metric(m, "nanod_log_lines_dropped_total", app="quiet") == 0, m


def test_log_limits_config():
    """log_rate and log_line_max per app: 5 lines a second of at most 100 bytes
    (cut on a UTF-8 boundary); log_rate = 0 turns the rate limit off."""
    js = """
    module.exports = { fetch: function (request) {
        for (var i = 0; i < 20; i++) { console.log(new Array(300).join("\u00e9")); }
        return new Response("ok");
    } };
    """
    apps = [lib.App("tiny", source=js, hosts="tiny.test",
                    extra={"log_rate": "5", "log_line_max": "100"}),
            lib.App("free", source=js, hosts="free.test", extra={"log_rate": "0"})]
    with lib.Nanod(apps, workers=1) as s:
        for _ in range(3):
            assert s.get("/", host="tiny.test").status == 200
            assert s.get("/", host="free.test").status == 200
        s.wait_log(lambda l: l.get("app") == "tiny" and "log lines dropped" in l.get("msg", ""),
                   lib.timeout(5), "the dropped-lines report")
        tiny = lib.log_lines(s, lambda l: l.get("app") == "tiny" and "dropped" not in l["msg"])
        assert 5 <= len(tiny) <= 10, len(tiny)
        for l in tiny:
            head = l["msg"].split("...")[0]
            assert len(head.encode("utf-8")) <= 100 and set(head) == {"\u00e9"}, l
            assert "more bytes cut: log_line_max" in l["msg"], l
        free = lib.log_lines(s, lambda l: l.get("app") == "free")
        assert len(free) == 60, len(free)
