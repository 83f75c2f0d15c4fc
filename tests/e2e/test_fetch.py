"""fetch(): a real local upstream (tests/e2e/upstream.py), never the internet."""

import http.server
import json
import socket
import threading
import time
import urllib.parse

import lib

# --------------------------------------------------------------------------
# The local upstream (also used by test_timers.py and test_cron.py):
#     with Upstream() as up:      # 127.0.0.1, a free port, HTTP/1.1 keep-alive
#         up.url("/echo")         # -> "http://127.0.0.1:PORT/echo"
# Paths: /echo (JSON of method, path, headers in order, body), /slow?ms=N, /hang?s=N,
# /status?code=N, /redirect?to=URL&code=N, /chain?n=N (N redirects, then /echo),
# /big?n=BYTES, /cookies, /record?... (kept in .hits), /concurrency?ms=N (.max_inflight).

class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 65536        # head and body in one write (no Nagle/delayed-ACK stall)

    def log_message(self, fmt, *args):
        pass

    def _send(self, code, body=b"", headers=()):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        up = self.server.upstream
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with up.lock:
            up.requests.append((self.command, self.path, list(self.headers.items()), body))
        p = u.path
        if p == "/echo":
            self._send(200, json.dumps({
                "method": self.command, "path": self.path,
                "headers": [[k.lower(), v] for k, v in self.headers.items()],
                "body": body.decode("utf-8", "replace")}),
                [("Content-Type", "application/json"), ("X-Upstream", "yes")])
        elif p == "/slow":
            time.sleep(int(q.get("ms", "500")) / 1000.0)
            self._send(200, "slow " + q.get("id", ""))
        elif p == "/hang":
            time.sleep(float(q.get("s", "30")))
            self._send(200, "late")
        elif p == "/status":
            self._send(int(q.get("code", "200")), q.get("body", ""),
                       [("X-Reason", "test")])
        elif p == "/redirect":
            self._send(int(q.get("code", "302")), "", [("Location", q["to"])])
        elif p == "/chain":
            k = int(q.get("n", "1"))
            to = "/echo" if k <= 1 else "/chain?n=%d" % (k - 1)
            self._send(302, "", [("Location", to)])
        elif p == "/big":
            self._send(200, b"x" * int(q.get("n", "1000")))
        elif p == "/cookies":
            self._send(200, "cookies", [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2"),
                                        ("X-Multi", "one"), ("X-Multi", "two")])
        elif p == "/record":
            with up.lock:
                up.hits.append((time.monotonic(), q))
            self._send(200, "recorded")
        elif p == "/concurrency":
            with up.lock:
                up.inflight += 1
                up.max_inflight = max(up.max_inflight, up.inflight)
            try:
                time.sleep(int(q.get("ms", "200")) / 1000.0)
            finally:
                with up.lock:
                    up.inflight -= 1
            self._send(200, "c")
        else:
            self._send(404, "no such path " + p)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512


class Upstream:
    def __init__(self, host="127.0.0.1"):
        self.host = host
        self.lock = threading.Lock()
        self.requests = []
        self.hits = []
        self.inflight = 0
        self.max_inflight = 0

    def __enter__(self):
        self.server = _Server((self.host, 0), _Handler)
        self.server.upstream = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        return False

    def url(self, path="/", host=None):
        return "http://%s:%d%s" % (host or self.host, self.port, path)


HOST = "fc.localhost"


def client(extra=None, allow="127.0.0.1", **kw):
    ex = {"fetch_allow": allow} if allow else {}
    ex["cpu_limit"] = "1s"      # the ASan build is slow; CPU limits are not tested here
    ex.update(extra or {})
    return lib.App("fc", file="fetch_client.js", hosts=HOST, extra=ex, **kw)


def call(s, spec, timeout_s=None):
    r = s.post("/", host=HOST, body=json.dumps(spec), timeout_s=timeout_s or lib.timeout(20))
    assert r.status == 200, r
    return r.json()


def test_fetch_methods_headers_body():
    with Upstream() as up, lib.Nanod([client()]) as s:
        hdrs = [["X-One", "1"], ["X-Two", "two words"], ["X-One", "again"],
                ["Content-Type", "application/json"]]
        j = call(s, {"url": up.url("/echo?q=1"), "read": "json",
                     "init": {"method": "POST", "headers": hdrs, "body": "{\"a\":\"h\u00e9\"}"}})
        assert j["status"] == 200 and j["ok"], j
        b = j["body"]
        assert b["method"] == "POST" and b["path"] == "/echo?q=1", b
        assert b["body"] == "{\"a\":\"h\u00e9\"}", b
        sent = [h for h in b["headers"] if h[0].startswith("x-") or h[0] == "content-type"]
        assert sent == [["x-one", "1"], ["x-two", "two words"], ["x-one", "again"],
                        ["content-type", "application/json"]], b["headers"]
        assert not any(h[0] == "expect" for h in b["headers"]), b["headers"]
        for method in ("PUT", "PATCH", "DELETE"):
            j = call(s, {"url": up.url("/echo"), "read": "json",
                         "init": {"method": method, "bodyBytes": [0, 1, 2, 255]}})
            assert j["body"]["method"] == method, j
            assert j["body"]["body"] == "\x00\x01\x02\ufffd", j
        j = call(s, {"url": up.url("/echo"), "read": "json",
                     "init": {"method": "POST", "bodyParams": "a=1&b=x y"}})
        assert j["body"]["body"] == "a=1&b=x+y", j
        assert ["content-type", "application/x-www-form-urlencoded;charset=UTF-8"] in \
            j["body"]["headers"], j
        j = call(s, {"url": up.url("/echo"), "read": "text", "init": {"method": "HEAD"}})
        assert j["status"] == 200 and j["body"] == "", j
        j = call(s, {"url": up.url("/echo"), "read": "json", "init": {"method": "OPTIONS"}})
        assert j["body"]["method"] == "OPTIONS", j


def test_fetch_response_status_headers_cookies():
    with Upstream() as up, lib.Nanod([client()]) as s:
        j = call(s, {"url": up.url("/status?code=404&body=gone")})
        assert j["status"] == 404 and j["statusText"] == "Not Found" and not j["ok"], j
        assert j["body"] == "gone" and ["x-reason", "test"] in j["headers"], j
        j = call(s, {"url": up.url("/cookies")})
        assert j["setCookie"] == ["a=1; Path=/", "b=2"], j
        assert ["x-multi", "one, two"] in j["headers"], j
        j = call(s, {"url": up.url("/big?n=100000"), "read": "arrayBuffer"})
        assert j["body"] == 100000, j
        j = call(s, {"url": up.url("/nowhere")})
        assert j["status"] == 404 and j["url"] == up.url("/nowhere") and not j["redirected"], j


def test_fetch_redirects():
    with Upstream() as up, lib.Nanod([client()]) as s:
        j = call(s, {"url": up.url("/chain?n=3"), "read": "json"})
        assert j["status"] == 200 and j["redirected"] is True, j
        assert j["url"] == up.url("/echo"), j
        # 303 turns POST into GET and drops the body
        j = call(s, {"url": up.url("/redirect?code=303&to=/echo"), "read": "json",
                     "init": {"method": "POST", "body": "x"}})
        assert j["body"]["method"] == "GET" and j["body"]["body"] == "", j
        # 307 keeps both
        j = call(s, {"url": up.url("/redirect?code=307&to=/echo"), "read": "json",
                     "init": {"method": "POST", "body": "keep"}})
        assert j["body"]["method"] == "POST" and j["body"]["body"] == "keep", j
        j = call(s, {"url": up.url("/chain?n=2"), "init": {"redirect": "manual"}})
        assert j["status"] == 302 and not j["redirected"], j
        assert ["location", "/chain?n=1"] in j["headers"], j
        j = call(s, {"url": up.url("/chain?n=2"), "init": {"redirect": "error"}})
        assert j["error"] == "TypeError" and "redirect" in j["message"], j
        j = call(s, {"url": up.url("/chain?n=20"), "read": "json"})
        assert j["status"] == 200 and j["redirected"], j
        j = call(s, {"url": up.url("/chain?n=21")})
        assert j["error"] == "TypeError" and "more than 20 redirects" in j["message"], j
        j = call(s, {"url": up.url("/redirect?to=ftp://example.invalid/")})
        assert j["error"] == "TypeError" and "scheme" in j["message"], j


def test_fetch_bad_urls():
    with lib.Nanod([client()]) as s:
        for url in ("ftp://127.0.0.1/x", "file:///etc/passwd", "not a url", "gopher://x/"):
            j = call(s, {"url": url})
            assert j.get("error") == "TypeError", (url, j)


def test_fetch_abort():
    with Upstream() as up, lib.Nanod([client()]) as s:
        for stub in (False,):       # the app's stand-in signal serves only without AbortController
            j = call(s, {"url": up.url("/slow?ms=3000"), "abortAfterMs": 100, "stub": stub})
            assert j.get("error") == "AbortError", j
            assert j["ms"] < 2000, j
            j = call(s, {"url": up.url("/echo"), "abortBefore": True, "stub": stub})
            assert j.get("error") == "AbortError", j
        # still healthy, and a fetch aborted after completion is just done
        j = call(s, {"url": up.url("/echo"), "abortAfterMs": 2000, "read": "json"})
        assert j["status"] == 200, j


def test_fetch_timeout():
    with Upstream() as up, lib.Nanod([client({"fetch_timeout": "300ms"})]) as s:
        t0 = time.monotonic()
        j = call(s, {"url": up.url("/hang?s=5")})
        assert j.get("error") == "Error" and "fetch_timeout (300 ms)" in j["message"], j
        assert time.monotonic() - t0 < 3, j


def test_fetch_response_over_cap():
    with Upstream() as up, lib.Nanod([client({"fetch_max_response_size": "1k"})]) as s:
        j = call(s, {"url": up.url("/big?n=1024")})
        assert j["status"] == 200 and len(j["body"]) == 1024, j
        j = call(s, {"url": up.url("/big?n=5000")})
        assert j.get("error") == "Error" and "fetch_max_response_size" in j["message"], j
        j = call(s, {"url": up.url("/big?n=10")})
        assert j["status"] == 200, j


def test_fetch_51st_subrequest_rejected():
    with Upstream() as up, lib.Nanod([client()]) as s:
        out = call(s, {"url": up.url("/echo"), "n": 51})
        assert len(out) == 51
        assert all(o.get("status") == 200 for o in out[:50]), out[:50]
        assert out[50].get("error") == "Error" and "too many subrequests" in \
            out[50]["message"], out[50]
        # the limit is per request: the next request starts over
        out = call(s, {"url": up.url("/echo"), "n": 3})
        assert all(o.get("status") == 200 for o in out), out


def test_fetch_7th_concurrent_waits():
    with Upstream() as up, lib.Nanod([client()]) as s:
        t0 = time.monotonic()
        out = call(s, {"url": up.url("/concurrency?ms=400"), "n": 7, "parallel": True})
        took = time.monotonic() - t0
        assert all(o.get("status") == 200 for o in out), out
        assert up.max_inflight == 6, up.max_inflight
        assert took >= 0.75, took


def test_ssrf_loopback_rejected_without_fetch_allow():
    with Upstream() as up, lib.Nanod([client(allow=None)]) as s:
        for url in (up.url("/echo"), up.url("/echo", host="localhost"),
                    "http://[::1]:%d/" % up.port, "http://10.1.2.3/", "http://169.254.169.254/",
                    "http://0.0.0.0:%d/" % up.port, "http://[::ffff:127.0.0.1]:%d/" % up.port):
            j = call(s, {"url": url})
            assert j.get("error") == "TypeError" and "blocked" in j["message"], (url, j)
        assert not up.requests, up.requests


def test_ssrf_redirect_to_forbidden_address():
    with Upstream() as up, Upstream(host="127.0.0.2") as other, \
            lib.Nanod([client(allow="127.0.0.1/32")]) as s:
        j = call(s, {"url": up.url("/echo")})
        assert j["status"] == 200, j
        j = call(s, {"url": up.url("/redirect?to=" + other.url("/echo"))})
        assert j.get("error") == "TypeError" and "127.0.0.2" in j["message"], j
        j = call(s, {"url": up.url("/redirect?to=" + other.url("/echo", host="localhost"))})
        assert j.get("status") != 200 or "blocked" in json.dumps(j), j
        assert not other.requests, other.requests


def test_ssrf_no_connection_reuse_across_policies():
    apps = [client(), lib.App("b", file="fetch_client.js", hosts="b.localhost")]
    with Upstream() as up, lib.Nanod(apps) as s:
        for _ in range(2):
            assert call(s, {"url": up.url("/echo")})["status"] == 200
            r = s.post("/", host="b.localhost", body=json.dumps({"url": up.url("/echo")}))
            j = r.json()
            assert j.get("error") == "TypeError" and "blocked" in j["message"], j


def test_fetch_200_concurrent_slow_upstream_one_worker():
    src = ("module.exports = { fetch: function (request, env) {\n"
           "  var id = new URL(request.url).searchParams.get('id');\n"
           "  return fetch(env.UP + '/slow?ms=500&id=' + id).then(function (r) {\n"
           "    return r.text(); }).then(function (t) { return new Response(t); });\n"
           "} };\n")
    n = 200
    with Upstream() as up:
        app = lib.App("px", source=src, hosts="px.localhost", env={"UP": up.url("")},
                      extra={"fetch_allow": "127.0.0.1", "cpu_limit": "1s"})
        with lib.Nanod([app], workers=1) as s:
            res = [None] * n
            t0 = time.monotonic()

            def one(i):
                try:
                    r = s.get("/?id=%d" % i, host="px.localhost", timeout_s=lib.timeout(30))
                    res[i] = (r.status, r.text)
                except Exception as e:      # noqa: BLE001
                    res[i] = ("error", repr(e))
            threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(lib.timeout(60))
            took = time.monotonic() - t0
            bad = [(i, r) for i, r in enumerate(res) if r != (200, "slow %d" % i)]
            assert not bad, bad[:5]
            lib.note("200 x 500 ms upstream: %.2f s" % took)
            assert took < 20, "took %.1f s (serial would be 100 s)" % took


def test_fetch_client_hangs_up_mid_fetch():
    src = ("module.exports = { fetch: function (request, env) {\n"
           "  return fetch(env.UP + '/slow?ms=300').then(function (r) { return r.text(); })\n"
           "    .then(function (t) { return new Response(t); });\n} };\n")
    with Upstream() as up:
        app = lib.App("px", source=src, hosts="px.localhost", env={"UP": up.url("")},
                      extra={"fetch_allow": "127.0.0.1", "cpu_limit": "1s"})
        with lib.Nanod([app]) as s:
            for _ in range(5):
                c = socket.create_connection(("127.0.0.1", s.port))
                c.sendall(b"GET / HTTP/1.1\r\nHost: px.localhost\r\n\r\n")
                c.close()
            time.sleep(0.6)
            r = s.get("/", host="px.localhost")
            assert r.status == 200 and r.text == "slow ", r


def test_fetch_cancelled_by_request_timeout():
    src = ("module.exports = { fetch: function (request, env) {\n"
           "  return fetch(env.UP + '/hang?s=3').then(function (r) {\n"
           "    return new Response('late'); });\n} };\n")
    with Upstream() as up:
        app = lib.App("px", source=src, hosts="px.localhost", env={"UP": up.url("")},
                      extra={"fetch_allow": "127.0.0.1", "request_timeout": "300ms"})
        with lib.Nanod([app]) as s:
            r = s.get("/", host="px.localhost")
            assert r.status == 504, r
            r = s.get("/", host="px.localhost")
            assert r.status == 504, r


def test_fetch_in_global_scope_is_an_error():
    src = ("var early = null;\ntry { fetch('http://127.0.0.1/'); } catch (e) { early = e.message; }\n"
           "module.exports = { fetch: function () { return new Response(early); } };\n")
    with lib.Nanod([lib.App("g", source=src, hosts="g.localhost")]) as s:
        r = s.get("/", host="g.localhost")
        assert r.status == 200 and "global scope" in r.text, r


def test_fetch_https_verifies_certificates():
    """HTTPS goes through the same multi; a self-signed upstream fails verification
    against the system CA store (no internet needed)."""
    import os
    import shutil
    import ssl
    import subprocess
    import tempfile
    if shutil.which("openssl") is None:
        raise lib.Skip("no openssl binary to make a test certificate")
    d = tempfile.mkdtemp(prefix="nd-tls-")
    try:
        key, crt = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        key, "-out", crt, "-days", "1", "-subj", "/CN=127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        with Upstream() as up, lib.Nanod([client()]) as s:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(crt, key)
            up.server.socket = ctx.wrap_socket(up.server.socket, server_side=True)
            j = call(s, {"url": "https://127.0.0.1:%d/echo" % up.port})
            assert j.get("error") == "TypeError" and "certificate" in j["message"].lower(), j
            assert not up.requests, up.requests
            j = call(s, {"url": up.url("/echo").replace("http:", "http:")})
            assert j.get("error") == "TypeError", j   # plain HTTP to a TLS port fails cleanly
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _cert(d):
    """A self-signed certificate for 127.0.0.1 in d: (key path, cert path)."""
    import os
    import subprocess
    key, crt = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt,
                    "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return key, crt


def test_fetch_http2_upstream_with_fetch_ca_file():
    """HTTPS to an HTTP/2-only server (nghttpd, Debian nghttp2-server) trusted through
    [server] fetch_ca_file: curl negotiates h2 by ALPN; a 1 MiB body crosses HTTP/2 flow
    control; nghttpd's frame log proves the requests came as HTTP/2 HEADERS frames."""
    import os
    import shutil
    import subprocess
    import tempfile
    for tool in ("openssl", "nghttpd"):
        if shutil.which(tool) is None:
            raise lib.Skip("no %s (scripts/install-deps installs it)" % tool)
    d = tempfile.mkdtemp(prefix="nd-h2-")
    srv = None
    try:
        key, crt = _cert(d)
        root = os.path.join(d, "www")
        os.mkdir(root)
        with open(os.path.join(root, "hello.txt"), "w") as f:
            f.write("hello over h2")
        big = bytes((i * 7) & 0xFF for i in range(1 << 20))
        with open(os.path.join(root, "big.bin"), "wb") as f:
            f.write(big)
        port = lib.free_port()
        log = open(os.path.join(d, "nghttpd.log"), "w")
        srv = subprocess.Popen(["nghttpd", "-v", "-a", "127.0.0.1", "-d", root, str(port),
                                key, crt], stdout=log, stderr=subprocess.STDOUT)

        def listening():
            import socket
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return True
            except OSError:
                return srv.poll() is not None
        lib.wait_until(listening, lib.timeout(10), "nghttpd listening")
        assert srv.poll() is None, open(log.name).read()
        base = "https://127.0.0.1:%d" % port
        with lib.Nanod([client()], server_extra={"fetch_ca_file": crt}) as s:
            j = call(s, {"url": base + "/hello.txt", "read": "text"})
            assert j.get("status") == 200 and j["body"] == "hello over h2", j
            j = call(s, {"url": base + "/big.bin", "read": "arrayBuffer"})
            assert j.get("status") == 200 and j["body"] == len(big), j
            j = call(s, {"url": base + "/nope", "read": "text"})
            assert j.get("status") == 404, j
            j = call(s, {"url": base + "/hello.txt", "read": "none", "n": 8, "parallel": True})
            assert "error" not in json.dumps(j), j
        with lib.Nanod([client()]) as s:
            # Without fetch_ca_file the system store applies: the same server is refused.
            j = call(s, {"url": base + "/hello.txt", "read": "text"})
            assert j.get("error") == "TypeError" and "certificate" in j["message"].lower(), j
        log.flush()
        frames = open(log.name).read()
        assert "recv HEADERS frame" in frames and ":path: /big.bin" in frames, frames[-2000:]
    finally:
        if srv is not None:
            srv.kill()
            srv.wait()
        shutil.rmtree(d, ignore_errors=True)


def test_fetch_ca_file_errors_name_the_line():
    """nanod -t: a missing or non-PEM fetch_ca_file is a config error at its line."""
    import os
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="nd-ca-")
    try:
        with open(os.path.join(d, "app.js"), "w") as f:
            f.write("export default { fetch() { return new Response('x'); } };\n")
        with open(os.path.join(d, "notpem.txt"), "w") as f:
            f.write("just text\n")
        for value, want in (("missing.pem", "No such file"), ("notpem.txt", "no PEM certificate")):
            path = os.path.join(d, "apps.ini")
            with open(path, "w") as f:
                f.write("[server]\nlisten = 127.0.0.1:%d\nfetch_ca_file = %s\n\n"
                        "[app:a]\nscript = app.js\nhosts = a.localhost\n"
                        % (lib.free_port(), value))
            r = lib.check_config(path)
            assert r.rc != 0, r
            assert "apps.ini:3" in r.output and want in r.output, r
    finally:
        shutil.rmtree(d, ignore_errors=True)
