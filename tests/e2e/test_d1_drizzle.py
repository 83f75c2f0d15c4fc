"""drizzle-orm 0.45 on nanod's D1 binding (drizzle(env.DB) from drizzle-orm/d1),
built with scripts/nanod-build from a Workers module in the test's directory
(its node_modules is tests/compat's, where drizzle-orm is pinned) and served by
the real nanod with a real SQLite D1 database. There is no D1 in Node, so the
expected values are written from the queries' SQL semantics and D1's
documented behaviour (BINARY collation, NULL in comparisons, batch() as one
transaction, transaction statements refused)."""

import os
import subprocess
import tempfile

import lib
from test_modern import need_node

COMPAT = os.path.join(lib.REPO, "tests", "compat")

APP = r"""// drizzle-orm 0.45 on nanod's D1 binding, as drizzle's D1 docs show it:
// drizzle(env.DB, { schema }), sqliteTable schemas, the query builder,
// db.batch (D1's batch: one transaction) and prepared statements with
// placeholders. Each route answers JSON.
import { drizzle } from "drizzle-orm/d1";
import { sqliteTable, integer, text, real, index } from "drizzle-orm/sqlite-core";
import { relations, sql, eq, and, or, like, inArray, gt, lt, desc, asc, count, avg, max,
         isNull, between, not } from "drizzle-orm";

export const users = sqliteTable("users", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull().unique(),
    email: text("email"),
    age: integer("age"),
    joined: integer("joined", { mode: "timestamp_ms" }).notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    prefs: text("prefs", { mode: "json" }).$type<{ theme: string; langs: string[] }>(),
}, (t) => [index("users_age").on(t.age)]);

export const posts = sqliteTable("posts", {
    id: integer("id").primaryKey({ autoIncrement: true }),
    authorId: integer("author_id").notNull().references(() => users.id),
    title: text("title").notNull(),
    score: real("score").notNull().default(0),
});

export const usersRelations = relations(users, ({ many }) => ({ posts: many(posts) }));
export const postsRelations = relations(posts, ({ one }) => ({
    author: one(users, { fields: [posts.authorId], references: [users.id] }),
}));

const schema = { users, posts, usersRelations, postsRelations };
const T0 = Date.UTC(2024, 1, 29, 12, 0, 0, 123);

type Env = { DB: D1Database };

const routes: Record<string, (db: ReturnType<typeof drizzle<typeof schema>>) => Promise<unknown>> = {
    async "/setup"(db) {
        await db.run(sql`CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,
            email TEXT, age INTEGER, joined INTEGER NOT NULL, active INTEGER NOT NULL DEFAULT 1, prefs TEXT)`);
        await db.run(sql`CREATE INDEX users_age ON users (age)`);
        await db.run(sql`CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT,
            author_id INTEGER NOT NULL REFERENCES users(id), title TEXT NOT NULL, score REAL NOT NULL DEFAULT 0)`);
        return "ok";
    },
    async "/insert"(db) {
        const rows = await db.insert(users).values([
            { name: "Ada", email: "ada@example.com", age: 36, joined: new Date(T0),
              prefs: { theme: "dark", langs: ["en", "fr"] } },
            { name: "Zoë Ünïcödé 😀", email: null, age: 28, joined: new Date(T0 + 86400000), active: false },
            { name: "bob", email: "bob@example.com", age: 36, joined: new Date(T0 - 1) },
            { name: "Émile", email: "emile@example.fr", age: null, joined: new Date(0),
              prefs: { theme: "light", langs: [] } },
        ]).returning();
        const p = await db.insert(posts).values([
            { authorId: rows[0].id, title: "Notes on the Analytical Engine", score: 9.5 },
            { authorId: rows[0].id, title: "Bernoulli numbers", score: 0.1 + 0.2 },
            { authorId: rows[2].id, title: "bob's post", score: -1 },
        ]).returning({ id: posts.id, title: posts.title });
        return { users: rows, posts: p };
    },
    async "/select"(db) {
        return {
            all: await db.select().from(users).orderBy(asc(users.name)),
            cols: await db.select({ n: users.name, a: users.age }).from(users)
                .where(and(eq(users.age, 36), like(users.email, "%@example.com"))).orderBy(desc(users.name)),
            inArray: (await db.select({ id: users.id }).from(users)
                .where(inArray(users.name, ["Ada", "Émile", "nobody"])).orderBy(users.id)).map((r) => r.id),
            or: (await db.select({ n: users.name }).from(users)
                .where(or(isNull(users.age), gt(users.age, 30))).orderBy(users.id)).map((r) => r.n),
            notBetween: (await db.select({ n: users.name }).from(users)
                .where(not(between(users.age, 30, 40))).orderBy(users.id)).map((r) => r.n),
            paged: (await db.select({ n: users.name }).from(users).orderBy(users.id).limit(2).offset(1))
                .map((r) => r.n),
            unicodeLike: (await db.select({ n: users.name }).from(users).where(like(users.name, "%😀%")))
                .map((r) => r.n),
            first: await db.select().from(users).where(eq(users.name, "bob")).get(),
            none: (await db.select().from(users).where(eq(users.name, "nobody")).get()) ?? "undefined",
            agg: await db.select({ n: count(), avgAge: avg(users.age), oldest: max(users.age) }).from(users),
            raw: await db.all(sql`SELECT ${users.name} AS name, length(${users.name}) AS len FROM ${users}
                                  WHERE ${users.id} < ${3} ORDER BY ${users.id}`),
            values: await db.select({ id: users.id, active: users.active }).from(users).orderBy(users.id).values(),
        };
    },
    async "/join"(db) {
        return {
            inner: await db.select({ title: posts.title, author: users.name, score: posts.score })
                .from(posts).innerJoin(users, eq(posts.authorId, users.id)).orderBy(desc(posts.score)),
            left: await db.select({ name: users.name, post: posts.title }).from(users)
                .leftJoin(posts, eq(posts.authorId, users.id)).orderBy(users.id, posts.id),
            grouped: await db.select({ name: users.name, posts: count(posts.id) }).from(users)
                .leftJoin(posts, eq(posts.authorId, users.id)).groupBy(users.id).orderBy(users.id),
            whole: await db.select().from(posts).innerJoin(users, eq(posts.authorId, users.id))
                .where(lt(posts.score, 1)).orderBy(posts.id),
        };
    },
    async "/update"(db) {
        const r = await db.update(users).set({ age: sql`${users.age} + 1`, email: "new@example.com" })
            .where(eq(users.age, 36)).returning({ name: users.name, age: users.age, email: users.email });
        const meta = await db.update(users).set({ active: true }).where(eq(users.name, "nobody")).run();
        return { updated: r.sort((a, b) => a.name < b.name ? -1 : 1), changes: meta.meta.changes };
    },
    async "/delete"(db) {
        const gone = await db.delete(posts).where(lt(posts.score, 0)).returning();
        const left = await db.select({ n: count() }).from(posts);
        return { gone, left };
    },
    async "/batch"(db) {
        const r = await db.batch([
            db.insert(users).values({ name: "carl", age: 50, joined: new Date(T0) }).returning({ id: users.id }),
            db.update(users).set({ age: 51 }).where(eq(users.name, "carl")),
            db.select({ n: users.name, a: users.age }).from(users).where(eq(users.name, "carl")),
            db.select({ n: count() }).from(users),
        ]);
        return { inserted: r[0], changes: r[1].meta.changes, carl: r[2], count: r[3] };
    },
    async "/batchfail"(db) {
        try {
            await db.batch([
                db.insert(users).values({ name: "dora", joined: new Date(T0) }),
                db.insert(users).values({ name: "Ada", joined: new Date(T0) }),
            ]);
            return "no error";
        } catch (e) {
            const msg = String((e as Error).message);
            const cause = String(((e as Error).cause as Error | undefined)?.message ?? "");
            return { error: /UNIQUE constraint failed: users\.name/.test(msg + cause),
                     dora: (await db.select().from(users).where(eq(users.name, "dora"))).length };
        }
    },
    // db.transaction() sends "begin": refused as D1 refuses it.
    async "/tx"(db) {
        try {
            await db.transaction(async (tx) => {
                await tx.insert(users).values({ name: "tx-user", joined: new Date(T0) });
            });
            return "committed";
        } catch (e) {
            const msg = String((e as Error).message);
            const cause = String(((e as Error).cause as Error | undefined)?.message ?? "");
            return { refused: msg + " | " + cause,
                     txUser: (await db.select().from(users).where(eq(users.name, "tx-user"))).length };
        }
    },
    async "/prepared"(db) {
        const byName = db.select().from(users).where(eq(users.name, sql.placeholder("name"))).prepare();
        const older = db.select({ n: users.name }).from(users)
            .where(gt(users.age, sql.placeholder("age"))).orderBy(users.name).prepare();
        const ins = db.insert(posts).values({ authorId: sql.placeholder("a"), title: sql.placeholder("t") })
            .returning({ id: posts.id, title: posts.title }).prepare();
        const [a, b] = await Promise.all([byName.get({ name: "Ada" }), byName.get({ name: "bob" })]);
        return {
            a: a?.name, b: b?.name, none: (await byName.get({ name: "x" })) ?? "undefined",
            older: (await older.all({ age: 30 })).map((r) => r.n),
            older2: (await older.all({ age: 40 })).map((r) => r.n),
            inserted: [await ins.get({ a: 1, t: "p1 ✓" }), await ins.get({ a: 1, t: "p2" })],
        };
    },
    async "/big"(db) {
        const names = Array.from({ length: 200 }, (_, i) => ({ name: "u" + String(i).padStart(3, "0"),
                                                               age: i % 7, joined: new Date(T0 + i) }));
        for (let i = 0; i < names.length; i += 20) {    // D1's limit: 100 bound parameters
            await db.insert(users).values(names.slice(i, i + 20));
        }
        const long = "x".repeat(100000) + "é";
        const [p] = await db.insert(posts).values({ authorId: 1, title: long }).returning({ id: posts.id });
        const back = await db.select({ t: posts.title }).from(posts).where(eq(posts.id, p.id)).get();
        const byAge = await db.select({ age: users.age, n: count() }).from(users)
            .where(like(users.name, "u%")).groupBy(users.age).orderBy(users.age);
        return { byAge, longOk: back?.t === long, longLen: back?.t.length,
                 last: (await db.select({ n: users.name }).from(users).orderBy(desc(users.name)).limit(1))[0] };
    },
};

export default {
    async fetch(request: Request, env: Env): Promise<Response> {
        const db = drizzle(env.DB, { schema });
        const route = routes[new URL(request.url).pathname];
        if (!route) {
            return new Response("not found", { status: 404 });
        }
        try {
            return Response.json(await route(db));
        } catch (e) {
            return Response.json({ error: String((e as Error).message),
                                   cause: String(((e as Error).cause as Error | undefined)?.message) },
                                 { status: 500 });
        }
    },
};
"""

T0 = "2024-02-29T12:00:00.123Z"
ADA = {"id": 1, "name": "Ada", "email": "ada@example.com", "age": 36, "joined": T0,
       "active": True, "prefs": {"theme": "dark", "langs": ["en", "fr"]}}
ZOE = {"id": 2, "name": "Zo\u00eb \u00dcn\u00efc\u00f6d\u00e9 \U0001F600", "email": None,
       "age": 28, "joined": "2024-03-01T12:00:00.123Z", "active": False, "prefs": None}
BOB = {"id": 3, "name": "bob", "email": "bob@example.com", "age": 36,
       "joined": "2024-02-29T12:00:00.122Z", "active": True, "prefs": None}
EMILE = {"id": 4, "name": "\u00c9mile", "email": "emile@example.fr", "age": None,
         "joined": "1970-01-01T00:00:00.000Z", "active": True,
         "prefs": {"theme": "light", "langs": []}}


def built_app(tmp):
    """The bundle of APP, built by scripts/nanod-build in tmp."""
    need_node()
    lib.compat_node_modules()
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    with open(os.path.join(src, "index.ts"), "w", encoding="utf-8") as f:
        f.write(APP)
    # esbuild looks for node_modules beside and above the entry, as for an app's own
    os.symlink(os.path.join(COMPAT, "node_modules"), os.path.join(tmp, "node_modules"))
    out = os.path.join(tmp, "app.js")
    p = subprocess.run([os.path.join(lib.REPO, "scripts", "nanod-build"),
                        os.path.join(src, "index.ts"), out], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=lib.timeout(300))
    assert p.returncode == 0, p.stdout.decode("utf-8", "replace")
    with open(out, encoding="utf-8") as f:
        return f.read()


def get(s, path):
    r = lib.request(s.port, "GET", path, host="dz.test")
    assert r.status == 200, (path, r.status, r.body[:2000])
    return r.json()


def test_drizzle_on_d1():
    with tempfile.TemporaryDirectory(prefix="nd-drizzle-") as tmp:
        source = built_app(tmp)
    app = lib.App("dz", source=source, hosts="dz.test",
                  extra={"d1.DB": "d1/dz.sqlite", "cpu_limit": "5s"})
    with lib.Nanod([app]) as s:
        assert get(s, "/setup") == "ok"

        # insert ... returning(): ids from AUTOINCREMENT, a timestamp_ms column as
        # a Date, booleans, JSON text, NULLs and Unicode mapped back
        r = get(s, "/insert")
        assert r["users"] == [ADA, ZOE, BOB, EMILE], r["users"]
        assert r["posts"] == [{"id": 1, "title": "Notes on the Analytical Engine"},
                              {"id": 2, "title": "Bernoulli numbers"},
                              {"id": 3, "title": "bob's post"}], r["posts"]

        r = get(s, "/select")
        # ORDER BY name in the BINARY collation: by UTF-8 bytes ("Z" < "b" < "\u00c9")
        assert r["all"] == [ADA, ZOE, BOB, EMILE], r["all"]
        assert r["cols"] == [{"n": "bob", "a": 36}, {"n": "Ada", "a": 36}], r["cols"]
        assert r["inArray"] == [1, 4]
        assert r["or"] == ["Ada", "bob", EMILE["name"]]          # age IS NULL or > 30
        assert r["notBetween"] == [ZOE["name"]]                  # NOT (NULL BETWEEN ...) is NULL
        assert r["paged"] == [ZOE["name"], "bob"]
        assert r["unicodeLike"] == [ZOE["name"]]
        assert r["first"] == BOB and r["none"] == "undefined"
        # count(), avg() (a string in drizzle: SQLite's REAL as text) and max()
        assert r["agg"] == [{"n": 4, "avgAge": "33.333333333333336", "oldest": 36}], r["agg"]
        assert r["raw"] == [{"name": "Ada", "len": 3}, {"name": ZOE["name"], "len": 14}], r["raw"]
        assert r["values"] == [[1, 1], [2, 0], [3, 1], [4, 1]]

        r = get(s, "/join")
        assert r["inner"] == [
            {"title": "Notes on the Analytical Engine", "author": "Ada", "score": 9.5},
            {"title": "Bernoulli numbers", "author": "Ada", "score": 0.30000000000000004},
            {"title": "bob's post", "author": "bob", "score": -1}], r["inner"]
        assert r["left"] == [
            {"name": "Ada", "post": "Notes on the Analytical Engine"},
            {"name": "Ada", "post": "Bernoulli numbers"}, {"name": ZOE["name"], "post": None},
            {"name": "bob", "post": "bob's post"}, {"name": EMILE["name"], "post": None}], r["left"]
        assert r["grouped"] == [{"name": "Ada", "posts": 2}, {"name": ZOE["name"], "posts": 0},
                                {"name": "bob", "posts": 1}, {"name": EMILE["name"], "posts": 0}]
        assert r["whole"] == [
            {"posts": {"id": 2, "authorId": 1, "title": "Bernoulli numbers",
                       "score": 0.30000000000000004}, "users": ADA},
            {"posts": {"id": 3, "authorId": 3, "title": "bob's post", "score": -1},
             "users": BOB}], r["whole"]

        r = get(s, "/update")
        assert r == {"updated": [{"name": "Ada", "age": 37, "email": "new@example.com"},
                                 {"name": "bob", "age": 37, "email": "new@example.com"}],
                     "changes": 0}, r

        r = get(s, "/delete")
        assert r == {"gone": [{"id": 3, "authorId": 3, "title": "bob's post", "score": -1}],
                     "left": [{"n": 2}]}, r

        # db.batch is D1's batch, one transaction, results in order
        r = get(s, "/batch")
        assert r == {"inserted": [{"id": 5}], "changes": 1, "carl": [{"n": "carl", "a": 51}],
                     "count": [{"n": 5}]}, r
        # a failing statement rolls the whole batch back
        assert get(s, "/batchfail") == {"error": True, "dora": 0}

        # db.transaction(): refused at its "begin", as on D1; nothing written
        r = get(s, "/tx")
        assert "D1_ERROR: not authorized: transaction statements" in r["refused"], r
        assert r["txUser"] == 0, r

        r = get(s, "/prepared")
        assert r == {"a": "Ada", "b": "bob", "none": "undefined",
                     "older": ["Ada", "bob", "carl"], "older2": ["carl"],
                     "inserted": [{"id": 4, "title": "p1 \u2713"}, {"id": 5, "title": "p2"}]}, r

        # 200 rows in inserts of 20 (D1's 100 bound parameters), a 100 KB text
        r = get(s, "/big")
        assert r["byAge"] == [{"age": a, "n": 29 if a < 4 else 28} for a in range(7)], r
        assert r["longOk"] is True and r["longLen"] == 100001, r
        assert r["last"] == {"n": EMILE["name"]}, r
