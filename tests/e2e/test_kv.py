"""Workers KV bindings on SQLite (issue 24 item 1): kv.NAME = sqlite in apps.ini,
the Workers KV API (get/getWithMetadata/put/delete/list, expiry, metadata,
limits), one database per binding under state_dir, isolation between apps
unless they name the same sqlite:SHARED database, several workers writing at
once without a lost write or SQLITE_BUSY surfacing to the app."""

import json
import os
import sqlite3
import threading
import time
import urllib.parse

import lib

KV_APP = r"""
function q(url, name) { return url.searchParams.get(name); }
function json(v, status) {
    return new Response(JSON.stringify(v), { status: status || 200,
        headers: { "content-type": "application/json" } });
}
function ok() { return json({ ok: true }); }
function count(kv, prefix, cursor, n) {
    return kv.list({ prefix: prefix, limit: 100, cursor: cursor }).then(function (res) {
        n += res.keys.length;
        return res.list_complete ? json({ n: n }) : count(kv, prefix, res.cursor, n);
    });
}
function route(request, env, ctx) {
    var url = new URL(request.url), kv = env.KV, p = url.pathname, k = q(url, "k");
    if (p === "/bg") {
        ctx.waitUntil(kv.put(k, "from waitUntil"));
        return json({ ok: true });
    }
    if (p === "/put") {
        var opt = {}, v = q(url, "v");
        if (q(url, "ttl")) { opt.expirationTtl = Number(q(url, "ttl")); }
        if (q(url, "exp")) { opt.expiration = Number(q(url, "exp")); }
        if (q(url, "meta")) { opt.metadata = JSON.parse(q(url, "meta")); }
        if (q(url, "bytes")) { v = new Uint8Array([0, 1, 2, 255]); }
        return kv.put(k, v, opt).then(ok);
    }
    if (p === "/get") {
        return kv.get(k, q(url, "type") || undefined).then(function (r) {
            if (r instanceof ArrayBuffer) {
                r = Array.prototype.slice.call(new Uint8Array(r));
            }
            return json({ value: r });
        });
    }
    if (p === "/getobj") {
        return kv.get(k, { type: q(url, "type") }).then(function (r) { return json({ value: r }); });
    }
    if (p === "/meta") { return kv.getWithMetadata(k).then(json); }
    if (p === "/del") { return kv["delete"](k).then(ok); }
    if (p === "/list") {
        var o = {};
        if (q(url, "prefix") !== null) { o.prefix = q(url, "prefix"); }
        if (q(url, "limit")) { o.limit = Number(q(url, "limit")); }
        if (q(url, "cursor")) { o.cursor = q(url, "cursor"); }
        return kv.list(o).then(json);
    }
    if (p === "/count") { return count(kv, q(url, "prefix"), undefined, 0); }
    if (p === "/bigkey") { return kv.put(new Array(514).join("k"), "x").then(ok); }
    if (p === "/bigmeta") {
        return kv.put("m", "x", { metadata: new Array(1100).join("m") }).then(ok);
    }
    if (p === "/bigvalue") { return kv.put("v", new Uint8Array(25 * 1024 * 1024 + 1)).then(ok); }
    if (p === "/badtype") { return kv.get("x", "blob").then(ok); }
    return json({ error: "no route" }, 404);
}
module.exports = {
    fetch: function (request, env, ctx) {
        return Promise.resolve().then(function () { return route(request, env, ctx); })
            .then(null, function (e) { return json({ error: String(e && e.message) }, 500); });
    }
};
"""


def kv_app(name, store="sqlite", hosts=None):
    return lib.App(name, source=KV_APP, hosts=hosts or "%s.test" % name,
                   extra={"kv.KV": store})


def call(s, host, path, **params):
    qs = urllib.parse.urlencode(params)
    r = lib.request(s.port, "GET", path + ("?" + qs if qs else ""), host=host)
    return r.status, r.json()


def test_kv_put_get_list_metadata_expiry():
    with lib.Nanod([kv_app("a")]) as s:
        assert call(s, "a.test", "/get", k="nope") == (200, {"value": None})
        assert call(s, "a.test", "/put", k="greet", v="héllo")[0] == 200
        assert call(s, "a.test", "/get", k="greet") == (200, {"value": "héllo"})
        assert call(s, "a.test", "/put", k="j", v='{"a":[1,2]}')[0] == 200
        assert call(s, "a.test", "/get", k="j", type="json") == (200, {"value": {"a": [1, 2]}})
        assert call(s, "a.test", "/getobj", k="j", type="json") == (200, {"value": {"a": [1, 2]}})
        assert call(s, "a.test", "/put", k="b", bytes="1")[0] == 200
        assert call(s, "a.test", "/get", k="b", type="arrayBuffer") == \
            (200, {"value": [0, 1, 2, 255]})
        # metadata, and overwrite replaces it
        assert call(s, "a.test", "/put", k="m1", v="x", meta='{"owner":"ann","n":3}')[0] == 200
        st, body = call(s, "a.test", "/meta", k="m1")
        assert st == 200 and body["value"] == "x" and body["metadata"] == {"owner": "ann", "n": 3}
        assert call(s, "a.test", "/put", k="m1", v="y")[0] == 200
        st, body = call(s, "a.test", "/meta", k="m1")
        assert body["value"] == "y" and body["metadata"] is None, body
        st, body = call(s, "a.test", "/meta", k="missing")
        assert body["value"] is None and body["metadata"] is None, body
        # list: prefix, limit, cursor, shape
        for i in range(5):
            assert call(s, "a.test", "/put", k="user:%d" % i, v=str(i),
                        meta='{"i":%d}' % i)[0] == 200
        far = int(time.time()) + 3600
        assert call(s, "a.test", "/put", k="user:9", v="9", exp=far)[0] == 200
        st, body = call(s, "a.test", "/list", prefix="user:", limit=4)
        assert st == 200, body
        assert [k["name"] for k in body["keys"]] == ["user:%d" % i for i in range(4)]
        assert body["keys"][0]["metadata"] == {"i": 0} and "expiration" not in body["keys"][0]
        assert body["list_complete"] is False and isinstance(body["cursor"], str)
        st, body2 = call(s, "a.test", "/list", prefix="user:", limit=4, cursor=body["cursor"])
        assert [k["name"] for k in body2["keys"]] == ["user:4", "user:9"], body2
        assert body2["keys"][1]["expiration"] == far and body2["list_complete"] is True
        assert "cursor" not in body2
        # delete
        assert call(s, "a.test", "/del", k="user:0")[0] == 200
        assert call(s, "a.test", "/get", k="user:0") == (200, {"value": None})
        # expiry: gone from get and list once past
        assert call(s, "a.test", "/put", k="tmp:1", v="soon", ttl=1)[0] == 200
        assert call(s, "a.test", "/get", k="tmp:1") == (200, {"value": "soon"})
        assert len(call(s, "a.test", "/list", prefix="tmp:")[1]["keys"]) == 1
        time.sleep(2.2)
        assert call(s, "a.test", "/get", k="tmp:1") == (200, {"value": None})
        assert call(s, "a.test", "/list", prefix="tmp:")[1]["keys"] == []
        # data lives under state_dir, one database per binding; a put purges expired rows
        db = os.path.join(s.dir, "state", "kv", "app-a-KV.sqlite")
        assert os.path.exists(db), os.listdir(os.path.join(s.dir, "state"))
        assert call(s, "a.test", "/put", k="after", v="1")[0] == 200
        con = sqlite3.connect(db, timeout=30)
        try:
            keys = [r[0] for r in con.execute("SELECT key FROM kv ORDER BY key")]
        finally:
            con.close()
        assert "tmp:1" not in keys and "after" in keys and "user:9" in keys, keys


def test_kv_put_in_wait_until():
    """The usual Workers pattern: answer first, write in ctx.waitUntil()."""
    with lib.Nanod([kv_app("a")]) as s:
        assert call(s, "a.test", "/bg", k="later")[0] == 200
        lib.wait_until(lambda: call(s, "a.test", "/get", k="later")[1]["value"] is not None,
                       lib.timeout(10), "the waitUntil put")
        assert call(s, "a.test", "/get", k="later") == (200, {"value": "from waitUntil"})


def test_kv_limits_and_errors():
    with lib.Nanod([kv_app("a")]) as s:
        st, body = call(s, "a.test", "/bigkey")
        assert st == 500 and "513 bytes is longer than the limit of 512" in body["error"], body
        st, body = call(s, "a.test", "/bigmeta")
        assert st == 500 and "limit of 1024 bytes" in body["error"], body
        st, body = call(s, "a.test", "/bigvalue")
        assert st == 500 and "25 MiB" in body["error"], body
        st, body = call(s, "a.test", "/badtype")
        assert st == 500 and "unknown type" in body["error"], body
        st, body = call(s, "a.test", "/list", limit=1001)
        assert st == 500 and "1..1000" in body["error"], body
        st, body = call(s, "a.test", "/put", k="", v="x")
        assert st == 500 and "must not be empty" in body["error"], body
        # the binding still works after the errors
        assert call(s, "a.test", "/put", k="ok", v="1")[0] == 200
        assert call(s, "a.test", "/get", k="ok") == (200, {"value": "1"})


def test_kv_isolation_and_shared():
    apps = [kv_app("a"), kv_app("b"), kv_app("c", "sqlite:team"), kv_app("d", "sqlite:team")]
    with lib.Nanod(apps) as s:
        assert call(s, "a.test", "/put", k="secret", v="a's")[0] == 200
        assert call(s, "b.test", "/get", k="secret") == (200, {"value": None})
        assert call(s, "c.test", "/get", k="secret") == (200, {"value": None})
        assert call(s, "c.test", "/put", k="shared", v="team data")[0] == 200
        assert call(s, "d.test", "/get", k="shared") == (200, {"value": "team data"})
        assert call(s, "a.test", "/get", k="shared") == (200, {"value": None})


def test_kv_two_workers_concurrent_writes():
    n_threads, per_thread = 8, 40
    errors = []
    with lib.Nanod([kv_app("a")], workers=2) as s:
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
        with open(s.log_path, encoding="utf-8") as f:
            log = f.read()
        assert "busy" not in log.lower() and "locked" not in log.lower(), log[-2000:]


def test_kv_config_errors():
    with lib.tempdir() as d:
        os.makedirs(os.path.join(d, "apps"))
        with open(os.path.join(d, "apps", "a.js"), "w", encoding="utf-8") as f:
            f.write(lib.const_app("x"))
        path = os.path.join(d, "apps.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\n\n[app:a]\nscript = apps/a.js\n"
                    "hosts = a.test\nkv.CACHE = mysql://x\nkv.2bad = sqlite\n"
                    "env.DB = x\nkv.DB = sqlite\nkv.S = sqlite:../etc\n" % lib.free_port())
        r = lib.check_config(path)
        assert r.rc != 0, r
        assert '%s:7: kv.CACHE: unsupported store "mysql://x"' % path in r.stderr, r
        assert '%s:8: bad binding key "kv.2bad"' % path in r.stderr, r
        assert "%s:10: kv.DB: env.DB has the same name" % path in r.stderr, r
        assert '%s:11: kv.S: bad shared name' % path in r.stderr, r
