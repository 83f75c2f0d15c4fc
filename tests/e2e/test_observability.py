"""Observability (issue 8): admin listener (/healthz, /metrics, /status),
per-app metrics summed over workers, access log with request ids."""

import json
import os
import re
import signal
import time

import lib

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|\+Inf|NaN)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_prom(text):
    """-> {name: [(labels dict, value)]}; checks the format as it goes."""
    types, out = {}, {}
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            assert name not in types, "TYPE twice for %s" % name
            types[name] = typ
            continue
        if line.startswith("# HELP "):
            continue
        m = SAMPLE.match(line)
        assert m, "bad sample line: %r" % line
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        base = re.sub(r'_(bucket|sum|count)$', "", name)
        assert name in types or (base in types and types[base] == "histogram"), \
            "sample before its TYPE: %r" % line
        out.setdefault(name, []).append((dict(LABEL.findall(labels)), float(value)))
    return out


def value(metrics, name, **labels):
    for l, v in metrics.get(name, []):
        if all(l.get(k) == str(x) for k, x in labels.items()):
            return v
    raise AssertionError("no %s%r in metrics" % (name, labels))


def admin_get(port, path, token=None):
    headers = {"Authorization": "Bearer " + token} if token else None
    return lib.request(port, "GET", path, host="admin", headers=headers)


def server(token=None, extra=None):
    admin = lib.free_port()
    sx = {"admin_listen": "127.0.0.1:%d" % admin, "access_log": "access.log"}
    if token:
        sx["admin_token"] = token
    sx.update(extra or {})
    apps = [lib.App("a", file="obs_a.js", hosts="a.test",
                    extra={"cpu_limit": "50ms"}),
            lib.App("b", file="obs_b.js", hosts="b.test")]
    s = lib.Nanod(apps, workers=2, server_extra=sx)
    s.admin = admin
    return s


def wait_healthy(s):
    lib.wait_until(lambda: admin_get(s.admin, "/healthz").status == 200, lib.timeout(10),
                   "healthz 200")


def test_metrics_status_access_log():
    with server() as s:
        wait_healthy(s)
        sent = {("a", "2xx"): 0, ("a", "4xx"): 0, ("b", "2xx"): 0}
        for i in range(30):
            for _ in range(3):
                r = lib.request(s.port, "GET", "/x%d" % i, host="a.test")
                assert r.status == 200, r
                sent[("a", "2xx")] += 1
            r = lib.request(s.port, "GET", "/missing", host="a.test")
            assert r.status == 404
            sent[("a", "4xx")] += 1
            r = lib.request(s.port, "GET", "/y", host="b.test",
                            headers={"x-request-id": "abc-%d" % i})
            assert r.status == 201 and r.header("x-request-id") == "abc-%d" % i, r
            sent[("b", "2xx")] += 1
        r = lib.request(s.port, "GET", "/z", host="b.test", headers={"x-request-id": "bad id!"})
        assert r.status == 201
        rid = r.header("x-request-id")
        assert rid and rid != "bad id!" and re.match(r'^[A-Za-z0-9._-]{1,64}$', rid), rid
        sent[("b", "2xx")] += 1
        # admin paths on the tenant port belong to the apps
        for path in ("/metrics", "/healthz", "/status"):
            r = lib.request(s.port, "GET", path, host="b.test")
            assert r.status == 201 and r.text == "b:" + path, r
            sent[("b", "2xx")] += 1
            r = lib.request(s.port, "GET", path, host="nohost.test")
            assert r.status == 404, r
        # a CPU-limit kill
        r = lib.request(s.port, "GET", "/loop", host="a.test")
        assert r.status == 503, r
        sent[("a", "5xx")] = 1
        total = sum(sent.values())

        def settled():
            m = parse_prom(admin_get(s.admin, "/metrics").text)
            n = sum(v for l, v in m["nanod_requests_total"] if l["app"] in ("a", "b"))
            return m if n == total else None
        lib.wait_until(settled, lib.timeout(5), "metrics count all requests")
        m = settled()
        for (app, code), n in sent.items():
            assert value(m, "nanod_requests_total", app=app, code=code) == n, (app, code, n)
        assert value(m, "nanod_requests_total", app="b", code="5xx") == 0
        assert value(m, "nanod_limit_kills_total", app="a", limit="cpu") == 1
        assert value(m, "nanod_limit_kills_total", app="b", limit="cpu") == 0
        assert value(m, "nanod_workers") == 2
        assert value(m, "nanod_generation") == 1
        assert value(m, "nanod_heap_builds_total", app="a") >= 2    # rebuilt after the kill
        for app in ("a", "b"):
            n = sum(v for (a2, _), v in sent.items() if a2 == app)
            for hist in ("nanod_request_duration_seconds", "nanod_request_cpu_milliseconds"):
                buckets = [(l["le"], v) for l, v in m[hist + "_bucket"] if l["app"] == app]
                vals = [v for _, v in buckets]
                assert vals == sorted(vals), "not cumulative: %r" % buckets
                assert buckets[-1][0] == "+Inf" and buckets[-1][1] == n, buckets
                assert value(m, hist + "_count", app=app) == n
        assert len(m["nanod_worker_rss_bytes"]) == 2
        assert all(v > 0 for _, v in m["nanod_worker_rss_bytes"])

        st = admin_get(s.admin, "/status").json()
        assert len(st["workers"]) == 2, st
        assert all(w["state"] == "ready" and w["pid"] > 0 for w in st["workers"]), st
        assert set(st["apps"]) >= {"a", "b"}, st
        assert st["apps"]["a"]["kills"]["cpu"] == 1
        assert st["generation"] == 1
        r = admin_get(s.admin, "/status?html")
        assert r.status == 200 and "text/html" in r.header("content-type"), r
        assert "<table>" in r.text and str(st["workers"][0]["pid"]) in r.text
        assert admin_get(s.admin, "/nope").status == 404

        # access log: one line per request, fields
        log = os.path.join(s.dir, "access.log")

        def lines():
            return lib.read_json_lines(log)[0]
        tenant = total + 3      # + the three 404s for nohost.test
        lib.wait_until(lambda: len(lines()) == tenant, lib.timeout(5), "access log lines")
        entries = lines()
        e = [x for x in entries if x.get("request_id") == "abc-7"]
        assert len(e) == 1, e
        e = e[0]
        for k in ("ts", "app", "pid", "request_id", "method", "host", "path", "status",
                  "bytes_out", "duration_ms", "cpu_ms", "subrequests", "client"):
            assert k in e, (k, e)
        assert e["app"] == "b" and e["method"] == "GET" and e["host"] == "b.test"
        assert e["path"] == "/y" and e["status"] == 201 and e["bytes_out"] == len("b:/y")
        assert e["client"] == "127.0.0.1" and e["subrequests"] == 0
        assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$', e["ts"]), e
        assert len({x["pid"] for x in entries}) == 2, "both workers served"
        loop = [x for x in entries if x["path"] == "/loop"][0]
        assert loop["status"] == 503 and loop["cpu_ms"] >= 40, loop

        # logrotate: move, SIGUSR1, new file
        os.rename(log, log + ".1")
        s.send_signal(signal.SIGUSR1)
        time.sleep(0.5 * lib.SCALE)
        lib.wait_until(lambda: (lib.request(s.port, "GET", "/after", host="a.test")
                                and os.path.exists(log) and len(lines()) >= 1),
                       lib.timeout(5), "new access log")
        assert any(x["path"] == "/after" for x in lines())
        s.stop()


def test_admin_token():
    with server(token="s3cret") as s:
        lib.wait_until(lambda: admin_get(s.admin, "/healthz", "s3cret").status == 200,
                       lib.timeout(10), "healthz 200")
        assert admin_get(s.admin, "/metrics").status == 401
        assert admin_get(s.admin, "/metrics", "wrong").status == 401
        assert admin_get(s.admin, "/healthz").status == 401
        r = admin_get(s.admin, "/metrics", "s3cret")
        assert r.status == 200 and "nanod_requests_total" in r.text
        s.stop()


def test_admin_listen_clash_is_an_error():
    with lib.tempdir() as d:
        port = lib.free_port()
        path = lib.make_config(d, [lib.App("a", file="obs_a.js", default=True)],
                               "127.0.0.1:%d" % port,
                               server_extra={"admin_listen": "127.0.0.1:%d" % port})
        r = lib.check_config(path)
        assert r.rc != 0 and "admin_listen" in r.output, r
