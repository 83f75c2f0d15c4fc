"""D1 bindings on SQLite (issue 24 item 2): d1.NAME = path (relative to
state_dir), prepare/bind/first/all/run/raw, batch in one transaction (rolled
back on error), exec, D1's result and meta shapes, bind types, ATTACH and
load_extension refused."""

import os
import sqlite3

import lib

D1_APP = r"""
function json(v, status) {
    return new Response(JSON.stringify(v), { status: status || 200,
        headers: { "content-type": "application/json" } });
}
var routes = {
    "/setup": function (db) {
        return db.exec("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT " +
                       "NOT NULL UNIQUE, age INTEGER, score REAL, pic BLOB);\n" +
                       "CREATE TABLE IF NOT EXISTS log (msg TEXT)");
    },
    "/insert": function (db, u) {
        return db.prepare("INSERT INTO users (name, age, score, pic) VALUES (?1, ?2, ?3, ?4)")
            .bind(u.searchParams.get("name"), 42, 1.5, new Uint8Array([1, 2, 255])).run();
    },
    "/all": function (db) { return db.prepare("SELECT * FROM users ORDER BY id").all(); },
    "/first": function (db, u) {
        return db.prepare("SELECT * FROM users WHERE name = ?").bind(u.searchParams.get("name"))
            .first();
    },
    "/firstcol": function (db) {
        return db.prepare("SELECT count(*) AS n FROM users").first("n");
    },
    "/raw": function (db) {
        return db.prepare("SELECT id, name FROM users ORDER BY id").raw({ columnNames: true });
    },
    "/update": function (db, u) {
        return db.prepare("UPDATE users SET age = age + 1 WHERE name = ?")
            .bind(u.searchParams.get("name")).run();
    },
    "/delete": function (db, u) {
        return db.prepare("DELETE FROM users WHERE name = ?").bind(u.searchParams.get("name"))
            .run();
    },
    "/types": function (db) {
        return db.prepare("SELECT ? AS n, ? AS s, ? AS t, ? AS f, ? AS z, ? AS big, ? AS b")
            .bind(7, "x\u00e9\"\n", true, false, null, 2.25, new Uint8Array([0, 9]).buffer)
            .first();
    },
    "/batchok": function (db) {
        return db.batch([
            db.prepare("INSERT INTO log (msg) VALUES (?)").bind("one"),
            db.prepare("INSERT INTO log (msg) VALUES (?)").bind("two"),
            db.prepare("SELECT count(*) AS n FROM log")]);
    },
    "/batchfail": function (db) {
        return db.batch([
            db.prepare("INSERT INTO log (msg) VALUES (?)").bind("three"),
            db.prepare("INSERT INTO users (name) VALUES (NULL)")]);
    },
    "/logcount": function (db) { return db.prepare("SELECT count(*) AS n FROM log").first("n"); },
    "/attach": function (db) {
        return db.exec("ATTACH DATABASE '/tmp/nd-d1-attack.sqlite' AS x");
    },
    "/attach2": function (db) {
        return db.prepare("ATTACH ? AS y").bind("/etc/passwd").run();
    },
    "/loadext": function (db) {
        return db.prepare("SELECT load_extension('/tmp/nope.so')").all();
    },
    "/syntax": function (db) { return db.prepare("SELEC 1").all(); },
    "/begin": function (db) { return db.prepare("BEGIN").run(); },
    "/begin-exec": function (db) {
        return db.exec("BEGIN;\nINSERT INTO log (msg) VALUES ('in tx');\nCOMMIT");
    },
    "/savepoint": function (db) { return db.prepare("SAVEPOINT sp1").run(); },
    "/commit": function (db) { return db.prepare("COMMIT").run(); },
    "/rollback": function (db) { return db.prepare("ROLLBACK").run(); },
    "/release": function (db) { return db.prepare("RELEASE sp1").run(); },
    "/badbind": function (db) { return db.prepare("SELECT ?").bind({}).all(); },
    "/nocol": function (db) { return db.prepare("SELECT 1 AS a").first("b"); }
};
module.exports = {
    fetch: function (request, env) {
        var u = new URL(request.url), r = routes[u.pathname];
        return Promise.resolve().then(function () { return r(env.DB, u); })
            .then(function (v) { return json(v === undefined ? null : v); },
                  function (e) { return json({ error: String(e && e.message) }, 500); });
    }
};
"""


def d1_app(name="a", path="d1/a.sqlite"):
    return lib.App(name, source=D1_APP, hosts="%s.test" % name, extra={"d1.DB": path})


def call(s, path, host="a.test"):
    r = lib.request(s.port, "GET", path, host=host)
    return r.status, r.json()


def test_d1_crud_and_shapes():
    with lib.Nanod([d1_app()]) as s:
        st, body = call(s, "/setup")
        assert st == 200 and body["count"] == 2, body
        st, body = call(s, "/insert?name=ann")
        assert st == 200 and body["success"] is True and body["results"] == [], body
        meta = body["meta"]
        assert meta["changes"] == 1 and meta["last_row_id"] == 1 and meta["changed_db"] is True
        assert meta["rows_written"] == 1 and isinstance(meta["duration"], (int, float)), meta
        assert call(s, "/insert?name=bob")[1]["meta"]["last_row_id"] == 2
        st, body = call(s, "/all")
        assert st == 200 and body["results"] == [
            {"id": 1, "name": "ann", "age": 42, "score": 1.5, "pic": [1, 2, 255]},
            {"id": 2, "name": "bob", "age": 42, "score": 1.5, "pic": [1, 2, 255]}], body
        assert body["meta"]["rows_read"] == 2 and body["meta"]["changes"] == 0
        assert call(s, "/first?name=bob")[1]["id"] == 2
        assert call(s, "/first?name=zed") == (200, None)
        assert call(s, "/firstcol") == (200, 2)
        assert call(s, "/raw") == (200, [["id", "name"], [1, "ann"], [2, "bob"]])
        assert call(s, "/update?name=ann")[1]["meta"]["changes"] == 1
        assert call(s, "/first?name=ann")[1]["age"] == 43
        assert call(s, "/delete?name=bob")[1]["meta"]["changes"] == 1
        assert call(s, "/firstcol") == (200, 1)
        assert os.path.exists(os.path.join(s.dir, "state", "d1", "a.sqlite"))


def test_d1_bind_types():
    with lib.Nanod([d1_app()]) as s:
        st, body = call(s, "/types")
        assert st == 200, body
        assert body == {"n": 7, "s": "x\u00e9\"\n", "t": 1, "f": 0, "z": None, "big": 2.25,
                        "b": [0, 9]}, body
        st, body = call(s, "/badbind")
        assert st == 500 and "D1_TYPE_ERROR" in body["error"], body
        st, body = call(s, "/nocol")
        assert st == 500 and "D1_COLUMN_NOTFOUND" in body["error"], body
        st, body = call(s, "/syntax")
        assert st == 500 and "D1_ERROR" in body["error"] and "syntax" in body["error"], body


def test_d1_batch_commits_or_rolls_back():
    with lib.Nanod([d1_app()]) as s:
        assert call(s, "/setup")[0] == 200
        st, body = call(s, "/batchok")
        assert st == 200 and len(body) == 3, body
        assert body[2]["results"] == [{"n": 2}] and body[0]["meta"]["changes"] == 1
        st, body = call(s, "/batchfail")
        assert st == 500 and "NOT NULL" in body["error"], body
        assert call(s, "/logcount") == (200, 2)     # "three" was rolled back


def test_d1_transaction_statements_refused():
    """BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE of the app's are refused as D1
    refuses them (drizzle's db.transaction() sends "begin"): the job thread's
    connection is shared by every request of the worker, so an open BEGIN took
    in other requests' statements and a ROLLBACK lost them. batch() still runs
    in one transaction."""
    with lib.Nanod([d1_app()]) as s:
        assert call(s, "/setup")[0] == 200
        for path in ("/begin", "/begin-exec", "/savepoint", "/commit", "/rollback", "/release"):
            st, body = call(s, path)
            assert st == 500 and "D1_ERROR: not authorized: transaction statements" in \
                body["error"] and "db.batch" in body["error"], (path, body)
        assert call(s, "/logcount") == (200, 0)     # exec stopped at its BEGIN
        # The connection is not left inside a transaction: another request's
        # write is committed (visible to a second connection: the file itself).
        assert call(s, "/batchok")[0] == 200
        st, body = call(s, "/batchfail")
        assert st == 500 and "NOT NULL" in body["error"], body
        assert call(s, "/logcount") == (200, 2)
        db = sqlite3.connect(os.path.join(s.dir, "state", "d1", "a.sqlite"))
        try:
            assert db.execute("SELECT count(*) FROM log").fetchone()[0] == 2
        finally:
            db.close()


def test_d1_attach_and_load_extension_refused():
    with lib.Nanod([d1_app()]) as s:
        for path in ("/attach", "/attach2"):
            st, body = call(s, path)
            assert st == 500 and "not authorized" in body["error"], (path, body)
        assert not os.path.exists("/tmp/nd-d1-attack.sqlite")
        st, body = call(s, "/loadext")
        assert st == 500 and "not authorized" in body["error"], body
        assert call(s, "/setup")[0] == 200          # still usable


def test_d1_config_errors():
    with lib.tempdir() as d:
        os.makedirs(os.path.join(d, "apps"))
        with open(os.path.join(d, "apps", "a.js"), "w", encoding="utf-8") as f:
            f.write(lib.const_app("x"))
        path = os.path.join(d, "apps.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write("[server]\nlisten = 127.0.0.1:%d\n\n[app:a]\nscript = apps/a.js\n"
                    "hosts = a.test\nd1.DB = dir/\nkv.K = sqlite\nd1.K = x.sqlite\n"
                    % lib.free_port())
        r = lib.check_config(path)
        assert r.rc != 0, r
        assert '%s:7: d1.DB: want a database file path' % path in r.stderr, r
        assert "%s:9: d1.K: kv.K has the same name" % path in r.stderr, r
