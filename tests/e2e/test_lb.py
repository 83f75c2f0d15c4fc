"""Beyond one box (issue 23): the client's address behind trusted proxies
(X-Forwarded-For, Forwarded, PROXY protocol v1/v2), and a real HAProxy in front
of two real nanod instances (health checks, rolling restart and reload)."""

import http.client
import os
import signal
import socket
import struct
import subprocess
import threading
import time

import lib

ECHO = r"""
export default {
  fetch(request) {
    const h = request.headers;
    return new Response(JSON.stringify({
      cf: h.get("cf-connecting-ip"), real: h.get("x-real-ip"),
      xff: h.get("x-forwarded-for"), pid: 0
    }), { headers: { "content-type": "application/json" } });
  }
};
"""


def echo_app():
    return lib.App("echo", source=ECHO, default=True)


class PPNanod(lib.Nanod):
    """A nanod whose listeners all have proxy_protocol on."""

    def write_config(self):
        self.ports = [lib.free_port() for _ in range(self.nlisten)]
        self.port = self.ports[0]
        listen = ", ".join("127.0.0.1:%d proxy_protocol" % p for p in self.ports)
        return lib.make_config(self.dir, self.apps, listen, self.workers, self.log_path,
                               self.server_extra)


def access_clients(path, n):
    objs = []
    lib.wait_until(lambda: len(lib.read_json_lines(path)[0]) >= n, lib.timeout(10),
                   "%d access-log lines in %s" % (n, path))
    objs, _ = lib.read_json_lines(path)
    return [o["client"] for o in objs]


def test_untrusted_peer_cannot_spoof():
    sx = {"trusted_proxies": "10.0.0.0/8, fd00::/8", "access_log": "access.log"}
    with lib.Nanod([echo_app()], server_extra=sx) as s:
        r = lib.request(s.port, headers={"X-Forwarded-For": "6.6.6.6",
                                         "CF-Connecting-IP": "6.6.6.6",
                                         "X-Real-IP": "6.6.6.6",
                                         "Forwarded": "for=6.6.6.6"})
        j = r.json()
        assert r.status == 200, r
        assert j["cf"] == "127.0.0.1" and j["real"] == "127.0.0.1", j
        # the client's own XFF is kept (apps that walk it see it) but our hop is last
        assert j["xff"] == "6.6.6.6, 127.0.0.1", j
        r = lib.request(s.port)
        assert r.json() == {"cf": "127.0.0.1", "real": "127.0.0.1", "xff": "127.0.0.1",
                          "pid": 0}, r.json()
        clients = access_clients(os.path.join(s.dir, "access.log"), 2)
        assert clients == ["127.0.0.1", "127.0.0.1"], clients


def test_trusted_proxy_headers_rightmost_untrusted():
    sx = {"trusted_proxies": "127.0.0.1, 10.0.0.0/8", "access_log": "access.log"}
    with lib.Nanod([echo_app()], server_extra=sx) as s:
        # 6.6.6.6 was written by the client itself: the first untrusted hop from the
        # right (203.0.113.5) is the client; trusted 10.1.2.3 is skipped.
        r = lib.request(s.port, headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.5, 10.1.2.3",
                                         "CF-Connecting-IP": "6.6.6.6"})
        j = r.json()
        assert j["cf"] == "203.0.113.5" and j["real"] == "203.0.113.5", j
        assert j["xff"] == "6.6.6.6, 203.0.113.5, 10.1.2.3, 127.0.0.1", j
        # Forwarded (RFC 7239) when there is no X-Forwarded-For, IPv6 with port
        r = lib.request(s.port, headers={"Forwarded":
                                         'for=6.6.6.6, for="[2001:db8::7]:4711";proto=http'})
        assert r.json()["cf"] == "2001:db8::7", r.json()
        # an unparsable hop stops the walk at the last good one
        r = lib.request(s.port, headers={"X-Forwarded-For": "1.1.1.1, nonsense, 10.0.0.9"})
        assert r.json()["cf"] == "10.0.0.9", r.json()
        clients = access_clients(os.path.join(s.dir, "access.log"), 3)
        assert clients == ["203.0.113.5", "2001:db8::7", "10.0.0.9"], clients


def proxy_v2(src, sport, dst, dport):
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    body = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
    return sig + b"\x21\x11" + struct.pack("!H", len(body)) + body


def test_proxy_protocol_listener():
    sx = {"trusted_proxies": "127.0.0.1", "access_log": "access.log",
          "client_header_timeout": "1s"}
    req = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with PPNanod([echo_app()], server_extra=sx) as s:
        out = lib.raw(s.port, b"PROXY TCP4 198.51.100.4 127.0.0.1 40000 80\r\n" + req)
        r = lib.parse_responses(out)[0]
        assert r.status == 200 and r.json()["cf"] == "198.51.100.4", (r, out)
        assert r.json()["xff"] == "198.51.100.4", r.json()
        out = lib.raw(s.port, b"PROXY TCP6 2001:db8::5 ::1 40000 80\r\n" + req)
        assert lib.parse_responses(out)[0].json()["cf"] == "2001:db8::5", out
        out = lib.raw(s.port, proxy_v2("192.0.2.77", 5555, "127.0.0.1", 80) + req)
        assert lib.parse_responses(out)[0].json()["cf"] == "192.0.2.77", out
        # v2 LOCAL (a proxy's own health check) and v1 UNKNOWN: the TCP peer
        local = b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00"
        out = lib.raw(s.port, local + req)
        assert lib.parse_responses(out)[0].json()["cf"] == "127.0.0.1", out
        out = lib.raw(s.port, b"PROXY UNKNOWN\r\n" + req)
        assert lib.parse_responses(out)[0].json()["cf"] == "127.0.0.1", out
        # the header in pieces
        sk = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        for piece in (b"PROXY TCP4 19", b"8.51.100.9 127.0.0.1 1 2", b"\r\n", req):
            sk.sendall(piece)
            time.sleep(0.05)
        buf = b""
        while True:
            c = sk.recv(65536)
            if not c:
                break
            buf += c
        sk.close()
        assert lib.parse_responses(buf)[0].json()["cf"] == "198.51.100.9", buf
        # no header, a bogus one, a truncated one: closed without an answer
        assert lib.raw(s.port, req) == b""
        assert lib.raw(s.port, b"PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n" + req) == b""
        assert lib.raw(s.port, b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n" + req) == b""
        assert lib.raw(s.port, proxy_v2("1.2.3.4", 1, "5.6.7.8", 2)[:20]) == b"", \
            "a truncated header must be closed by the header timeout"
        assert s.running()
        clients = access_clients(os.path.join(s.dir, "access.log"), 6)
        assert clients == ["198.51.100.4", "2001:db8::5", "192.0.2.77", "127.0.0.1",
                           "127.0.0.1", "198.51.100.9"], clients


def test_proxy_protocol_untrusted_peer_closed():
    sx = {"trusted_proxies": "10.0.0.0/8"}
    with PPNanod([echo_app()], server_extra=sx) as s:
        out = lib.raw(s.port, b"PROXY TCP4 198.51.100.4 127.0.0.1 40000 80\r\n"
                      b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout_s=5)
        assert out == b"", out
        lib.wait_until(lambda: "not in trusted_proxies" in lib.tail(s.log_path, 50),
                       lib.timeout(5), "a warning about the untrusted peer")


def test_config_errors():
    with lib.tempdir() as d:
        p = lib.make_config(d, [echo_app()], "127.0.0.1:8080 proxy_protocol",
                            server_extra={"trusted_proxies": "10.0.0.0/33, example.com"})
        r = lib.check_config(p)
        text = r.output
        line = lib.line_of(open(p).read(), "trusted_proxies")
        assert r.rc == 1, r
        assert "apps.ini:%d: trusted_proxies: bad prefix length" % line in text, text
        assert "apps.ini:%d: trusted_proxies: bad address" % line in text, text
        p = lib.make_config(d, [echo_app()], "127.0.0.1:8080 proxy_protocol")
        r = lib.check_config(p)
        assert r.rc == 1 and "proxy_protocol needs trusted_proxies" in r.output, r
        p = lib.make_config(d, [echo_app()], "127.0.0.1:8080 proxy",
                            server_extra={"drain_delay": "5x"})
        r = lib.check_config(p)
        assert r.rc == 1 and 'bad listen option "proxy"' in r.output, r
        assert "drain_delay" in r.output, r
        p = lib.make_config(d, [echo_app()], "127.0.0.1:8080  proxy_protocol, [::1]:8081",
                            server_extra={"trusted_proxies": "127.0.0.1, ::1, 10.0.0.0/8"})
        r = lib.check_config(p)
        assert r.rc == 0, r


def healthz(port):
    try:
        r = lib.request(port, path="/healthz", timeout_s=5)
        return r.status, r.text
    except OSError as e:
        return None, str(e)


def test_drain_delay_healthz_503_while_serving():
    admin = lib.free_port()
    sx = {"admin_listen": "127.0.0.1:%d" % admin, "drain_delay": "2s"}
    with lib.Nanod([echo_app()], server_extra=sx) as s:
        assert healthz(admin) == (200, "ok\n")
        t0 = time.monotonic()
        s.send_signal(signal.SIGQUIT)
        lib.wait_until(lambda: healthz(admin)[0] == 503, lib.timeout(5), "/healthz 503")
        assert healthz(admin) == (503, "draining\n")
        # still serving the apps during drain_delay, on new connections too
        for _ in range(5):
            assert lib.request(s.port).status == 200
        # a reload request in the delay is ignored; a second QUIT changes nothing
        s.send_signal(signal.SIGHUP)
        s.send_signal(signal.SIGQUIT)
        assert lib.request(s.port).status == 200
        assert s.wait_exit(lib.timeout(20)) == 0
        took = time.monotonic() - t0
        assert took >= 1.9, "exited %.2fs after SIGQUIT, before drain_delay (2s)" % took
        assert "during a graceful stop's drain_delay: ignored" in lib.tail(s.log_path, 50)


def test_term_cuts_drain_delay_short():
    admin = lib.free_port()
    sx = {"admin_listen": "127.0.0.1:%d" % admin, "drain_delay": "30s"}
    with lib.Nanod([echo_app()], server_extra=sx) as s:
        s.send_signal(signal.SIGQUIT)
        lib.wait_until(lambda: healthz(admin)[0] == 503, lib.timeout(5), "/healthz 503")
        t0 = time.monotonic()
        s.send_signal(signal.SIGTERM)
        assert s.wait_exit(lib.timeout(10)) == 0
        assert time.monotonic() - t0 < 8


# --- a real HAProxy in front of two nanod ------------------------------------------

HAPROXY = "/usr/sbin/haproxy"

HAPROXY_CFG = """
global
    maxconn 500
    stats socket {dir}/haproxy.sock level admin
defaults
    mode http
    timeout connect 2s
    timeout client 20s
    timeout server 20s
    retries 3
    option redispatch
    retry-on conn-failure empty-response
frontend fe
    bind 127.0.0.1:{front}
    default_backend be
backend be
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
{servers}
"""


class FixedNanod(lib.Nanod):
    """proxy_protocol listener on ports chosen once: a restart keeps them."""

    def write_config(self):
        if not getattr(self, "ports", None):
            self.ports = [lib.free_port()]
            self.port = self.ports[0]
        listen = "127.0.0.1:%d proxy_protocol" % self.port
        return lib.make_config(self.dir, self.apps, listen, self.workers, self.log_path,
                               self.server_extra)


def haproxy_status(sock_path):
    """{server name: status} from the stats socket ("UP", "DOWN", "UP 1/2"...)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock_path)
    s.sendall(b"show stat\n")
    buf = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        buf += c
    s.close()
    out = {}
    for line in buf.decode().splitlines():
        f = line.split(",")
        if len(f) > 17 and f[0] == "be" and f[1] not in ("BACKEND", "FRONTEND"):
            out[f[1]] = f[17]
    return out


class Load:
    """Bounded load: N threads, each GET after GET (new connection every 4th) through
    the front port, from source address 127.0.0.2; counts answers and failures."""

    def __init__(self, port, threads=4):
        self.port, self.nthreads = port, threads
        self.ok = 0
        self.failures = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def run(self):
        conn, n = None, 0
        deadline = time.monotonic() + lib.timeout(240)
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                if conn is None or n % 4 == 0:
                    if conn is not None:
                        conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20,
                                                      source_address=("127.0.0.2", 0))
                r = lib.conn_request(conn, headers={"X-Forwarded-For": "6.6.6.6"})
                body = r.json() if r.status == 200 else None
                with self.lock:
                    if r.status == 200 and body["cf"] == "127.0.0.2":
                        self.ok += 1
                    else:
                        self.failures.append((r.status, r.body[:200]))
            except Exception as e:           # any lost request is a failure
                with self.lock:
                    self.failures.append(repr(e))
                if conn is not None:
                    conn.close()
                conn = None
            n += 1
            time.sleep(0.005)
        if conn is not None:
            conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *a):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)


def test_haproxy_two_nanod_rolling_restart_and_reload():
    if not os.path.exists(HAPROXY):
        raise lib.Skip("haproxy not installed (scripts/install-deps --test)")
    sx = {"trusted_proxies": "127.0.0.1", "drain_delay": "1500ms", "graceful_timeout": "10s",
          "access_log": "access.log"}
    ax, bx = dict(sx), dict(sx)
    ax["admin_listen"] = "127.0.0.1:%d" % lib.free_port()
    bx["admin_listen"] = "127.0.0.1:%d" % lib.free_port()
    front = lib.free_port()
    with FixedNanod([echo_app()], server_extra=ax) as a, \
            FixedNanod([echo_app()], server_extra=bx) as b, lib.tempdir() as d:
        servers = "\n".join(
            "    server %s 127.0.0.1:%d send-proxy-v2 check port %s inter 200 fall 2 rise 2"
            % (name, n.port, n.server_extra["admin_listen"].split(":")[1])
            for name, n in (("a", a), ("b", b)))
        cfg = os.path.join(d, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(HAPROXY_CFG.format(dir=d, front=front, servers=servers))
        hp = subprocess.Popen([HAPROXY, "-f", cfg, "-db"], stdin=subprocess.DEVNULL,
                              stdout=open(os.path.join(d, "haproxy.out"), "wb"),
                              stderr=subprocess.STDOUT, start_new_session=True)
        lib._track(hp)
        sock = os.path.join(d, "haproxy.sock")
        try:
            def up(names):
                def f():
                    try:
                        st = haproxy_status(sock)
                    except OSError:
                        return False
                    return all(st.get(x) == "UP" for x in names)
                return f

            lib.wait_until(up("ab"), lib.timeout(20), "haproxy sees both nanod UP")
            # PROXY v2 gives the app the client's address; its spoofed XFF is ignored
            conn = http.client.HTTPConnection("127.0.0.1", front, timeout=10,
                                              source_address=("127.0.0.2", 0))
            r = lib.conn_request(conn, headers={"X-Forwarded-For": "6.6.6.6",
                                                "CF-Connecting-IP": "6.6.6.6"})
            conn.close()
            assert r.status == 200, r
            assert r.json()["cf"] == "127.0.0.2" and r.json()["real"] == "127.0.0.2", r.json()
            assert r.json()["xff"] == "6.6.6.6, 127.0.0.2", r.json()

            with Load(front) as load:
                time.sleep(1)
                for n, name in ((a, "a"), (b, "b")):        # rolling restart
                    n.stop(signal.SIGQUIT, timeout_s=lib.timeout(30))
                    lib.wait_until(lambda: haproxy_status(sock).get(name, "").startswith(
                        "DOWN"), lib.timeout(10), "haproxy sees %s DOWN" % name)
                    n.start()
                    lib.wait_until(up("ab"), lib.timeout(20), "haproxy sees %s UP again" % name)
                    time.sleep(0.5)
                for n in (a, b):                            # rolling reload
                    def reloads(n=n):
                        return len([o for o in lib.read_json_lines(n.log_path)[0]
                                    if o.get("msg", "").startswith("reload done")])
                    before = reloads()
                    n.send_signal(signal.SIGHUP)
                    lib.wait_until(lambda: reloads() > before, lib.timeout(20), "reload done")
                    time.sleep(1)
                time.sleep(0.5)
            print("    info %s: through haproxy, 2 rolling restarts + 2 rolling reloads: %d "
                  "requests ok, %d failed" % (lib.current_test(), load.ok, len(load.failures)),
                  flush=True)
            assert load.ok > 100, load.ok
            assert not load.failures, "lost %d of %d requests: %s" % (
                len(load.failures), load.ok + len(load.failures), load.failures[:5])
        finally:
            if hp.poll() is None:
                hp.terminate()
                hp.wait(timeout=10)


def test_configmap_swap_two_instances():
    """Config distribution: two nanod, each with its own ConfigMap-style volume (as
    two pods), updated by a ..data symlink swap one after the other (as each node's
    kubelet does): each follows with a reload; in between they serve different
    versions, which is what a rolling config change looks like."""
    from test_reload import ConfigMapNanod

    with ConfigMapNanod([], workers=1) as a, ConfigMapNanod([], workers=1) as b:
        for n in (a, b):
            assert lib.body_of(n.port, "a.localhost") == "a-v0"
        for i, tag in enumerate(("v1", "v2"), 1):
            a.publish(tag)
            lib.wait_log_count(a, lib.msg_has("reload done"), i, what="a: reload %d" % i)
            assert lib.body_of(a.port, "a.localhost") == "a-" + tag
            assert lib.body_of(b.port, "a.localhost") == "a-" + ("v0", "v1")[i - 1]
            b.publish(tag)
            lib.wait_log_count(b, lib.msg_has("reload done"), i, what="b: reload %d" % i)
            for n in (a, b):
                assert lib.body_of(n.port, "a.localhost") == "a-" + tag
                assert lib.body_of(n.port, "b.localhost") == "b-" + tag
