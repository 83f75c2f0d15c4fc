"""Workers KV bindings on Redis (issue 24): kv.NAME = redis://host:port/db?prefix=P, against a
real redis-server started here on a free port (skipped, never passed, when redis-server is not
installed: scripts/install-deps --test installs it). The SQLite suite's app and checks, two
workers and two nanod instances sharing one Redis, Redis killed and back, a server that
accepts but never answers, per-binding metrics and the access log's binding_calls."""

import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import lib
from test_kv import KV_APP, call
from test_observability import admin_get, parse_prom, value


def need_redis():
    if shutil.which("redis-server") is None:
        raise lib.Skip("redis-server not installed (scripts/install-deps --test)")


class Redis:
    """A real redis-server on a free 127.0.0.1 port, no persistence, in a temp dir."""

    def __init__(self, port=None):
        self.port = port or lib.free_port()
        self.dir = None
        self.proc = None

    def start(self):
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="nd-redis-")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--daemonize", "no",
             "--unixsocket", os.path.join(self.dir, "redis.sock"), "--unixsocketperm", "700"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lib._track(self.proc)
        lib.wait_until(lambda: self._ping(), lib.timeout(10), "redis-server PING")
        return self

    @property
    def sock(self):
        return os.path.join(self.dir, "redis.sock")

    def _ping(self):
        try:
            return self.cmd("PING") == "PONG"
        except OSError:
            return False

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def url(self, db=0, query=""):
        return "redis://127.0.0.1:%d/%d%s" % (self.port, db, ("?" + query) if query else "")

    def cmd(self, *args, db=0):
        """One command over a raw socket (RESP), the reply decoded."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=lib.timeout(5)) as s:
            f = s.makefile("rb")
            cmds = ([("SELECT", str(db))] if db else []) + [args]
            for c in cmds:
                out = b"*%d\r\n" % len(c)
                for a in c:
                    a = a if isinstance(a, bytes) else str(a).encode()
                    out += b"$%d\r\n%s\r\n" % (len(a), a)
                s.sendall(out)
            replies = [resp_read(f) for _ in cmds]
            return replies[-1]


def resp_read(f):
    line = f.readline()
    if not line:
        raise OSError("redis closed the connection")
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode()
    if t == b"-":
        raise RuntimeError(rest.decode())
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode("utf-8", "replace")
    if t == b"*":
        n = int(rest)
        return None if n < 0 else [resp_read(f) for _ in range(n)]
    raise OSError("bad RESP line %r" % line)


def kv_app(name, store, hosts=None, extra=None):
    x = {"kv.KV": store}
    x.update(extra or {})
    return lib.App(name, source=KV_APP, hosts=hosts or "%s.test" % name, extra=x)


def test_kv_redis_put_get_list_metadata_expiry():
    need_redis()
    with Redis() as r, lib.Nanod([kv_app("a", r.url())]) as s:
        assert call(s, "a.test", "/get", k="nope") == (200, {"value": None})
        assert call(s, "a.test", "/put", k="greet", v="héllo")[0] == 200
        assert call(s, "a.test", "/get", k="greet") == (200, {"value": "héllo"})
        assert call(s, "a.test", "/put", k="j", v='{"a":[1,2]}')[0] == 200
        assert call(s, "a.test", "/get", k="j", type="json") == (200, {"value": {"a": [1, 2]}})
        assert call(s, "a.test", "/getobj", k="j", type="json") == (200, {"value": {"a": [1, 2]}})
        assert call(s, "a.test", "/put", k="b", bytes="1")[0] == 200
        assert call(s, "a.test", "/get", k="b", type="arrayBuffer") == \
            (200, {"value": [0, 1, 2, 255]})
        assert call(s, "a.test", "/put", k="m1", v="x", meta='{"owner":"ann","n":3}')[0] == 200
        st, body = call(s, "a.test", "/meta", k="m1")
        assert st == 200 and body["value"] == "x" and body["metadata"] == {"owner": "ann", "n": 3}
        assert call(s, "a.test", "/put", k="m1", v="y")[0] == 200
        st, body = call(s, "a.test", "/meta", k="m1")
        assert body["value"] == "y" and body["metadata"] is None, body
        st, body = call(s, "a.test", "/meta", k="missing")
        assert body["value"] is None and body["metadata"] is None, body
        # list: prefix, limit, cursor, byte order (the SQLite store's order)
        for i in range(5):
            assert call(s, "a.test", "/put", k="user:%d" % i, v=str(i),
                        meta='{"i":%d}' % i)[0] == 200
        far = int(time.time()) + 3600
        assert call(s, "a.test", "/put", k="user:9", v="9", exp=far)[0] == 200
        assert call(s, "a.test", "/put", k="user;", v="after the prefix")[0] == 200
        st, body = call(s, "a.test", "/list", prefix="user:", limit=4)
        assert st == 200, body
        assert [k["name"] for k in body["keys"]] == ["user:%d" % i for i in range(4)]
        assert body["keys"][0]["metadata"] == {"i": 0} and "expiration" not in body["keys"][0]
        assert body["list_complete"] is False and isinstance(body["cursor"], str)
        st, body2 = call(s, "a.test", "/list", prefix="user:", limit=4, cursor=body["cursor"])
        assert [k["name"] for k in body2["keys"]] == ["user:4", "user:9"], body2
        assert body2["keys"][1]["expiration"] == far and body2["list_complete"] is True
        assert "cursor" not in body2
        st, body = call(s, "a.test", "/list")
        names = [k["name"] for k in body["keys"]]
        assert names == sorted(names, key=lambda n: n.encode()) and "user;" in names, names
        # delete
        assert call(s, "a.test", "/del", k="user:0")[0] == 200
        assert call(s, "a.test", "/get", k="user:0") == (200, {"value": None})
        assert "user:0" not in [k["name"] for k in call(s, "a.test", "/list")[1]["keys"]]
        # expiry is a Redis TTL: gone from get and list once past
        assert call(s, "a.test", "/put", k="tmp:1", v="soon", ttl=1)[0] == 200
        assert 1 <= r.cmd("TTL", "nanod:a:KV:tmp:1") <= 2       # never shorter than asked
        assert call(s, "a.test", "/get", k="tmp:1") == (200, {"value": "soon"})
        assert len(call(s, "a.test", "/list", prefix="tmp:")[1]["keys"]) == 1
        time.sleep(2.3)
        assert call(s, "a.test", "/get", k="tmp:1") == (200, {"value": None})
        assert call(s, "a.test", "/list", prefix="tmp:")[1]["keys"] == []
        # where the data lives: a hash per key under the default prefix nanod:APP:NAME:,
        # the names in a sorted set at the prefix itself (the expired name left it)
        assert r.cmd("HGET", "nanod:a:KV:greet", "v") == "héllo"
        assert r.cmd("HGET", "nanod:a:KV:user:9", "e") == str(far)
        idx = r.cmd("ZRANGEBYLEX", "nanod:a:KV:", "-", "+")
        assert "greet" in idx and "tmp:1" not in idx and "user:0" not in idx, idx


def test_kv_redis_limits_and_errors():
    need_redis()
    with Redis() as r, lib.Nanod([kv_app("a", r.url())]) as s:
        st, body = call(s, "a.test", "/bigkey")
        assert st == 500 and "513 bytes is longer than the limit of 512" in body["error"], body
        st, body = call(s, "a.test", "/bigmeta")
        assert st == 500 and "limit of 1024 bytes" in body["error"], body
        st, body = call(s, "a.test", "/bigvalue")
        assert st == 500 and "25 MiB" in body["error"], body
        st, body = call(s, "a.test", "/list", limit=1001)
        assert st == 500 and "1..1000" in body["error"], body
        st, body = call(s, "a.test", "/put", k="", v="x")
        assert st == 500 and "must not be empty" in body["error"], body
        assert call(s, "a.test", "/put", k="ok", v="1")[0] == 200
        assert call(s, "a.test", "/get", k="ok") == (200, {"value": "1"})
        assert r.cmd("DBSIZE") == 2         # the key's hash and the index: nothing else


def test_kv_redis_isolation_and_shared():
    need_redis()
    with Redis() as r:
        apps = [kv_app("a", r.url()), kv_app("b", r.url()),
                kv_app("c", r.url(query="prefix=team:")), kv_app("d", r.url(query="prefix=team:")),
                kv_app("e", r.url(db=1, query="prefix=team:")),
                kv_app("u", "redis+unix://%s?prefix=team:" % r.sock)]
        with lib.Nanod(apps) as s:
            assert call(s, "a.test", "/put", k="secret", v="a's")[0] == 200
            assert call(s, "b.test", "/get", k="secret") == (200, {"value": None})
            assert call(s, "c.test", "/get", k="secret") == (200, {"value": None})
            assert call(s, "b.test", "/list")[1]["keys"] == []
            assert call(s, "c.test", "/put", k="shared", v="team data")[0] == 200
            assert call(s, "d.test", "/get", k="shared") == (200, {"value": "team data"})
            assert call(s, "u.test", "/get", k="shared") == (200, {"value": "team data"})
            assert call(s, "e.test", "/get", k="shared") == (200, {"value": None})   # db 1
            assert call(s, "a.test", "/get", k="shared") == (200, {"value": None})
            assert r.cmd("HGET", "team:shared", "v") == "team data"
            assert r.cmd("EXISTS", "team:shared", db=1) == 0


def test_kv_redis_two_workers_concurrent_writes():
    need_redis()
    n_threads, per_thread = 8, 40
    errors = []
    with Redis() as r, lib.Nanod([kv_app("a", r.url())], workers=2) as s:
        def writer(t):
            for i in range(per_thread):
                try:
                    st, body = call(s, "a.test", "/put", k="c:%02d:%03d" % (t, i), v="v%d" % i)
                    if st != 200:
                        errors.append(body)
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(repr(e))

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(lib.timeout(120))
        assert not errors, errors[:5]
        st, body = call(s, "a.test", "/count", prefix="c:")
        assert st == 200 and body["n"] == n_threads * per_thread, body
        assert r.cmd("ZCARD", "nanod:a:KV:") == n_threads * per_thread
        for t in range(n_threads):
            st, body = call(s, "a.test", "/get", k="c:%02d:%03d" % (t, per_thread - 1))
            assert body == {"value": "v%d" % (per_thread - 1)}, body


def test_kv_redis_two_nanods_share_one_redis():
    """Two boxes (two nanod instances) serving the same app share its KV through one Redis."""
    need_redis()
    with Redis() as r:
        with lib.Nanod([kv_app("a", r.url())]) as s1, lib.Nanod([kv_app("a", r.url())]) as s2:
            assert call(s1, "a.test", "/put", k="from1", v="one", meta='{"box":1}')[0] == 200
            assert call(s2, "a.test", "/get", k="from1") == (200, {"value": "one"})
            assert call(s2, "a.test", "/meta", k="from1")[1]["metadata"] == {"box": 1}
            assert call(s2, "a.test", "/put", k="from2", v="two")[0] == 200
            assert call(s1, "a.test", "/get", k="from2") == (200, {"value": "two"})
            errors = []

            def writer(s, tag):
                for i in range(30):
                    st, body = call(s, "a.test", "/put", k="w:%s:%02d" % (tag, i), v=tag)
                    if st != 200:
                        errors.append(body)
            ts = [threading.Thread(target=writer, args=(s, tag)) for s, tag in
                  ((s1, "x"), (s2, "y"), (s1, "z"), (s2, "q"))]
            for t in ts:
                t.start()
            for t in ts:
                t.join(lib.timeout(60))
            assert not errors, errors[:3]
            assert call(s1, "a.test", "/count", prefix="w:")[1]["n"] == 120
            assert call(s2, "a.test", "/count", prefix="w:")[1]["n"] == 120
            assert call(s1, "a.test", "/del", k="from2")[0] == 200
            assert call(s2, "a.test", "/get", k="from2") == (200, {"value": None})


def test_kv_redis_killed_and_back():
    """Redis dies: calls fail with an error the app catches (its 500 says why), fast; the
    worker keeps serving; once Redis is back on its address, calls work again."""
    need_redis()
    r = Redis()
    try:
        r.start()
        apps = [kv_app("a", r.url(query="timeout=1000")), lib.App("h", source=lib.const_app("hi"),
                                                                   hosts="h.test")]
        with lib.Nanod(apps) as s:
            assert call(s, "a.test", "/put", k="k", v="1")[0] == 200
            r.kill()
            t0 = time.monotonic()
            st, body = call(s, "a.test", "/get", k="k")
            assert st == 500, body
            assert body["error"].startswith("KV: Redis at 127.0.0.1:%d/0" % r.port), body
            assert time.monotonic() - t0 < lib.timeout(3)
            # while it is down: still a clear error, and other apps are served
            for _ in range(3):
                st, body = call(s, "a.test", "/put", k="k", v="2")
                assert st == 500 and "KV: Redis at 127.0.0.1:%d" % r.port in body["error"], body
                assert any(w in body["error"] for w in ("unavailable", "refused", "closed",
                                                        "lost", "reset")), body
            assert lib.request(s.port, "GET", "/", host="h.test").text == "hi"
            r.start()
            lib.wait_until(lambda: call(s, "a.test", "/put", k="k", v="3")[0] == 200,
                           lib.timeout(10), "a put once Redis is back")
            assert call(s, "a.test", "/get", k="k") == (200, {"value": "3"})
            with open(s.log_path, encoding="utf-8") as f:
                assert "AddressSanitizer" not in f.read()
    finally:
        r.kill()
        if r.dir:
            shutil.rmtree(r.dir, ignore_errors=True)


def test_kv_redis_unresponsive_server_times_out():
    """A server that accepts connections and never answers: the call fails after the URL's
    timeout with a message saying so; the worker serves other requests meanwhile."""
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    port = lsock.getsockname()[1]
    held, stop = [], threading.Event()

    def acceptor():
        lsock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(lsock.accept()[0])      # read nothing, answer nothing
            except OSError:
                pass
    th = threading.Thread(target=acceptor, daemon=True)
    th.start()
    try:
        apps = [kv_app("a", "redis://127.0.0.1:%d/0?timeout=3000" % port),
                lib.App("h", source=lib.const_app("hi"), hosts="h.test")]
        with lib.Nanod(apps) as s:
            res = {}

            def slow():
                t0 = time.monotonic()
                res["r"] = call(s, "a.test", "/get", k="x")
                res["t"] = time.monotonic() - t0
            t = threading.Thread(target=slow)
            t.start()
            lib.wait_until(lambda: held, lib.timeout(5), "nanod connecting")
            assert lib.request(s.port, "GET", "/", host="h.test").text == "hi"
            assert "r" not in res, "the worker waited for Redis before serving another app"
            t.join(lib.timeout(15))
            st, body = res["r"]
            assert st == 500 and "did not answer within 3000 ms" in body["error"], body
            assert 2.9 <= res["t"] < lib.timeout(8), res
            assert held, "nanod never connected"
    finally:
        stop.set()
        th.join(5)
        for c in held:
            c.close()
        lsock.close()


def test_kv_redis_metrics_and_access_log():
    need_redis()
    with Redis() as r:
        admin = lib.free_port()
        sx = {"admin_listen": "127.0.0.1:%d" % admin, "access_log": "access.log"}
        apps = [kv_app("a", r.url(), extra={"kv.LOCAL": "sqlite"})]
        with lib.Nanod(apps, server_extra=sx) as s:
            for i in range(3):
                assert call(s, "a.test", "/put", k="k%d" % i, v="v")[0] == 200
            assert call(s, "a.test", "/get", k="k1") == (200, {"value": "v"})
            st, body = call(s, "a.test", "/bigkey")     # refused before any call: not counted
            assert st == 500
            r.kill()
            assert call(s, "a.test", "/get", k="k1")[0] == 500
            m = parse_prom(admin_get(admin, "/metrics").text)
            lab = dict(app="a", binding="KV", kind="kv", store="redis")
            assert value(m, "nanod_binding_operations_total", **lab) == 5
            assert value(m, "nanod_binding_errors_total", **lab) == 1
            assert value(m, "nanod_binding_duration_seconds_count", **lab) == 5
            assert value(m, "nanod_binding_duration_seconds_bucket", le="+Inf", **lab) == 5
            log = os.path.join(s.dir, "access.log")
            lib.wait_until(lambda: len(lib.read_json_lines(log)[0]) >= 6, lib.timeout(5),
                           "access log lines")
            lines = lib.read_json_lines(log)[0]
            puts = [x for x in lines if x["path"].startswith("/put")]
            assert len(puts) == 3 and all(x["binding_calls"] == 1 for x in puts), puts
            counts = [x for x in lines if x["path"].startswith("/count")]
            assert not counts
            assert [x["binding_calls"] for x in lines if x["path"].startswith("/bigkey")] == [0]


def test_kv_redis_d1_and_sqlite_metrics():
    """The SQLite KV and D1 bindings report the same metrics."""
    admin = lib.free_port()
    sx = {"admin_listen": "127.0.0.1:%d" % admin}
    src = r"""
module.exports = { fetch: function (req, env) {
    return env.KV.put("a", "1").then(function () { return env.KV.get("a"); })
        .then(function () { return env.DB.prepare("SELECT 1 AS x").first("x"); })
        .then(function () { return env.DB.prepare("SELECT nope").all(); })
        .then(null, function (e) { return new Response(String(e.message), { status: 500 }); });
} };
"""
    app = lib.App("s", source=src, hosts="s.test", extra={"kv.KV": "sqlite", "d1.DB": "s.db"})
    with lib.Nanod([app], server_extra=sx) as s:
        rsp = lib.request(s.port, "GET", "/", host="s.test")
        assert rsp.status == 500 and "D1_ERROR" in rsp.text, rsp
        m = parse_prom(admin_get(admin, "/metrics").text)
        assert value(m, "nanod_binding_operations_total", app="s", binding="KV", kind="kv",
                     store="sqlite") == 2
        assert value(m, "nanod_binding_errors_total", app="s", binding="KV", kind="kv",
                     store="sqlite") == 0
        assert value(m, "nanod_binding_operations_total", app="s", binding="DB", kind="d1",
                     store="sqlite") == 2
        assert value(m, "nanod_binding_errors_total", app="s", binding="DB", kind="d1",
                     store="sqlite") == 1


def test_kv_redis_config_errors():
    with lib.tempdir() as d:
        os.makedirs(os.path.join(d, "apps"))
        with open(os.path.join(d, "apps", "a.js"), "w", encoding="utf-8") as f:
            f.write(lib.const_app("x"))
        path = os.path.join(d, "apps.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\n\n[app:a]\nscript = apps/a.js\n"
                    "hosts = a.test\n"
                    "kv.A = redis://127.0.0.1:99999/0\n"
                    "kv.B = redis://127.0.0.1:6379/x\n"
                    "kv.C = redis://127.0.0.1/0?prefix=\n"
                    "kv.D = redis://127.0.0.1/0?timeout=0\n"
                    "kv.E = redis://127.0.0.1/0?colour=blue\n"
                    "kv.F = redis+unix://relative.sock\n"
                    "kv.G = redis://127.0.0.1:6379/2?prefix=ok%%3A&timeout=500\n"
                    "kv.H = redis+unix:///run/redis.sock?db=3\n"
                    "kv.I = redis://127.0.0.1:6379/5?prefix=t:\n"
                    "kv.J = redis://127.0.0.1:6379/5?prefix=t:x:\n"
                    "kv.K = redis://127.0.0.1:6379/6?prefix=t:x:\n"
                    "kv.L = redis://127.0.0.1:6379/5?prefix=t:\n"
                    "\n[app:b]\nscript = apps/a.js\nhosts = b.test\n"
                    "kv.M = redis://127.0.0.1:6379/6?prefix=t:\n" % lib.free_port())
        res = lib.check_config(path)
        assert res.rc != 0, res
        assert '%s:7: kv.A: bad Redis URL "redis://127.0.0.1:99999/0": bad port' % path \
            in res.stderr, res
        assert '%s:8: kv.B: bad Redis URL' % path in res.stderr and "database number" \
            in res.stderr, res
        assert '%s:9: kv.C: bad Redis URL' % path in res.stderr and "bad prefix" in res.stderr
        assert '%s:10: kv.D: bad Redis URL' % path in res.stderr and "timeout" in res.stderr
        assert '%s:11: kv.E: bad Redis URL' % path in res.stderr and "colour" in res.stderr
        assert '%s:12: kv.F: bad Redis URL' % path in res.stderr, res
        assert ":13:" not in res.stderr and ":14:" not in res.stderr, res
        # prefixes that nest on one database: one app would read the other's keys
        assert '%s:16: kv.J: key prefix "t:x:" and "t:" of kv.I in [app:a] nest' % path \
            in res.stderr, res
        assert ":15:" not in res.stderr and ":17:" not in res.stderr, res
        assert ":18:" not in res.stderr, res      # the same prefix: shared on purpose
        assert '%s:23: kv.M: key prefix "t:" and "t:x:" of kv.K in [app:a] nest' % path \
            in res.stderr, res


def test_kv_redis_stopped_then_continued():
    """A Redis that stops answering mid-run (SIGSTOP: connected, silent) fails calls after the
    timeout, the worker serving meanwhile; once it runs again (SIGCONT) calls work and the
    data is still there."""
    need_redis()
    with Redis() as r:
        apps = [kv_app("a", r.url(query="timeout=1500")),
                lib.App("h", source=lib.const_app("hi"), hosts="h.test")]
        with lib.Nanod(apps) as s:
            assert call(s, "a.test", "/put", k="k", v="kept")[0] == 200
            os.kill(r.proc.pid, signal.SIGSTOP)
            try:
                res = {}

                def slow():
                    t0 = time.monotonic()
                    res["r"] = call(s, "a.test", "/get", k="k")
                    res["t"] = time.monotonic() - t0
                t = threading.Thread(target=slow)
                t.start()
                assert lib.request(s.port, "GET", "/", host="h.test").text == "hi"
                t.join(lib.timeout(15))
                st, body = res["r"]
                assert st == 500 and "did not answer within 1500 ms" in body["error"], body
                assert 1.4 <= res["t"] < lib.timeout(8), res
            finally:
                os.kill(r.proc.pid, signal.SIGCONT)
            lib.wait_until(lambda: call(s, "a.test", "/get", k="k") == (200, {"value": "kept"}),
                           lib.timeout(10), "a get once Redis runs again")


BIG_APP = r"""
module.exports = { fetch: function (request, env) {
    var n = 20 * 1024 * 1024, v = new Uint8Array(n), i;
    for (i = 0; i < n; i += 4096) { v[i] = i / 4096 & 255; }
    return env.KV.put("big", v, { metadata: { n: n } }).then(function () {
        return env.KV.getWithMetadata("big", "arrayBuffer");
    }).then(function (r) {
        var b = new Uint8Array(r.value), ok = b.length === n, j;
        for (j = 0; ok && j < n; j += 4096) { ok = b[j] === (j / 4096 & 255); }
        return new Response(JSON.stringify({ len: b.length, ok: ok, meta: r.metadata }));
    });
} };
"""


def test_kv_redis_big_value():
    """A 20 MiB binary value goes through the put script and back intact."""
    need_redis()
    with Redis() as r:
        app = lib.App("a", source=BIG_APP, hosts="a.test",
                      extra={"kv.KV": r.url(query="timeout=20000"), "memory_limit": "256m",
                             "cpu_limit": "10s"})
        with lib.Nanod([app], server_extra={"request_timeout": "60s"}) as s:
            rsp = lib.request(s.port, "GET", "/", host="a.test", timeout_s=lib.timeout(60))
            assert rsp.status == 200, rsp
            assert rsp.json() == {"len": 20 * 1024 * 1024, "ok": True,
                                  "meta": {"n": 20 * 1024 * 1024}}, rsp.text[:200]
            assert r.cmd("HSTRLEN", "nanod:a:KV:big", "v") == 20 * 1024 * 1024


def test_kv_redis_auth_and_select():
    """Credentials in the URL go out as AUTH; a wrong password or a database Redis does not
    have fails the calls with Redis' reason (and the binding works with the right ones)."""
    need_redis()
    with Redis() as r:
        r.cmd("CONFIG", "SET", "requirepass", "s3cret")

        def auth_cmd(db, *args):
            with socket.create_connection(("127.0.0.1", r.port), timeout=lib.timeout(5)) as c:
                f = c.makefile("rb")
                for cmd in (("AUTH", "s3cret"), ("SELECT", db), args):
                    out = b"*%d\r\n" % len(cmd)
                    for a in cmd:
                        a = str(a).encode()
                        out += b"$%d\r\n%s\r\n" % (len(a), a)
                    c.sendall(out)
                    rep = resp_read(f)
                return rep
        base = "127.0.0.1:%d" % r.port
        apps = [kv_app("good", "redis://:s3cret@%s/3" % base),
                kv_app("bad", "redis://:wrong@%s/0" % base),
                kv_app("nodb", "redis://:s3cret@%s/99" % base)]
        with lib.Nanod(apps) as s:
            assert call(s, "good.test", "/put", k="k", v="v")[0] == 200
            assert call(s, "good.test", "/get", k="k") == (200, {"value": "v"})
            assert auth_cmd(3, "HGET", "nanod:good:KV:k", "v") == "v"     # in database 3
            assert auth_cmd(0, "EXISTS", "nanod:good:KV:k") == 0
            st, body = call(s, "bad.test", "/get", k="k")
            assert st == 500 and "refused the connection's set-up" in body["error"], body
            assert "WRONGPASS" in body["error"] or "invalid" in body["error"], body
            st, body = call(s, "nodb.test", "/get", k="k")
            assert st == 500 and "refused the connection's set-up" in body["error"], body
            assert "DB index is out of range" in body["error"], body
            # the good binding is not affected (its own connection)
            assert call(s, "good.test", "/get", k="k") == (200, {"value": "v"})


def test_kv_redis_expired_names_leave_the_index_without_list():
    """An app that only writes short-lived keys and never lists: each put drops dead names it
    samples, so the name index does not grow with every key ever written."""
    need_redis()
    with Redis() as r, lib.Nanod([kv_app("a", r.url())]) as s:
        # The 20 short-lived keys must all be written before the first expires (a put
        # after that may drop its name, and the count below is then short of 20 for a
        # good reason): a put's key expires at ceil(now) + ttl, so that holds when the
        # last put returned before ceil(first put's start) + ttl. 20 puts took 0.1-0.4 s
        # at load 8-11; a 1 s TTL left as little as 1 s. A loaded box that overran it
        # starts over, with a longer TTL.
        ttl = 1
        while True:
            r.cmd("FLUSHDB")
            first = time.time()
            for i in range(20):
                assert call(s, "a.test", "/put", k="tmp:%02d" % i, v="x", ttl=ttl)[0] == 200
            last = time.time()
            if last < math.ceil(first) + ttl:
                break
            lib.note("20 puts took %.2f s, past the first key's %d s TTL" % (last - first, ttl))
            assert ttl < 16, "20 puts took %.2f s" % (last - first)
            ttl *= 2
        time.sleep(max(0.0, math.ceil(last) + ttl + 0.3 - time.time()))
        assert r.cmd("ZCARD", "nanod:a:KV:") == 20          # expired, still named
        for i in range(40):
            assert call(s, "a.test", "/put", k="live:%02d" % i, v="y")[0] == 200
        left = r.cmd("ZCARD", "nanod:a:KV:")
        assert 40 <= left < 50, left                        # most dead names are gone
        assert call(s, "a.test", "/count", prefix="live:")[1]["n"] == 40
        assert call(s, "a.test", "/count", prefix="")[1]["n"] == 40
        assert r.cmd("ZCARD", "nanod:a:KV:") == 40          # the list dropped the rest
