"""scripts/nanod-build as wrangler builds (issue 18): source lines in error
logs, import() of what is not bundled failing at run time only, names kept,
BigInt literals; served by the real nanod."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import lib
from test_modern import SourceApp, nanod_build, need_node

UTIL = """export class Boom extends Error {
    constructor(msg: string) {
        super(msg);
        this.name = "Boom";
    }
}

export function explode(n: number): number {
    if (n > 2) {
        throw new Boom("too big: " + n);
    }
    return n * 2;
}
"""

INDEX = """import { explode } from "./util";

class Widget {
    static count = 0;
    label = "w";
}
const arrow = () => 1;

async function load(name: string): Promise<string> {
    try {
        const m = await import(name);
        return "loaded " + typeof m;
    } catch (e) {
        return (e as Error).name + ": " + (e as Error).message;
    }
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        if (url.pathname === "/explode") {
            return new Response(String(explode(Number(url.searchParams.get("n")))));
        }
        if (url.pathname === "/names") {
            return Response.json([Widget.name, arrow.name, explode.name, Widget.count]);
        }
        if (url.pathname === "/import") {
            const lazy = await import("./lazy");
            return Response.json([lazy.hello(), await load("node:fs")]);
        }
        if (url.pathname === "/cf") {
            const cf = (request as any).cf;
            return Response.json([typeof cf, cf.country ?? null, navigator.userAgent]);
        }
        if (url.pathname === "/bigint") {
            return Response.json([String(10n), typeof BigInt]);
        }
        return new Response("nope", { status: 404 });
    },
};
"""

LAZY = "export function hello(): string { return \"lazy hi\"; }\n"

BROKEN = """const table: Record<string, number> = {};

function setup(): number {
    return (table as any).missing.deep;
}

setup();
export default { fetch: () => new Response("never") };
"""


def test_built_app_errors_name_source_lines_and_import_fails_at_run_time():
    need_node()
    apps = [SourceApp("b", "src/index.ts", hosts="b.localhost"),
            SourceApp("broken", "src/broken.ts", hosts="broken.localhost")]
    with lib.Nanod(apps, start=False) as s:
        lib.write_files(s.dir, {"src/index.ts": INDEX, "src/util.ts": UTIL,
                                "src/lazy.ts": LAZY, "src/broken.ts": BROKEN})
        ini = s.write_config()
        nanod_build("-c", ini)
        lines = os.path.join(s.dir, ".nanod-build", "b.js.lines")
        with open(lines, encoding="utf-8") as f:
            table = f.read()
        assert table.startswith("nanod-build lines 1\n") and "F src/util.ts\n" in table, table
        s.start()
        h = "b.localhost"
        r = s.get("/names", host=h)
        assert r.status == 200 and r.json() == ["Widget", "arrow", "explode", 0], r
        r = s.get("/import", host=h)
        assert r.status == 200, r
        got = r.json()
        assert got[0] == "lazy hi" and got[1].startswith(
            "TypeError: import(\"node:fs\"): not in the bundle"), got
        r = s.get("/bigint", host=h)
        assert r.status == 200 and r.json() == ["10", "function"], r
        r = s.get("/cf", host=h)
        assert r.status == 200 and r.json() == ["object", None, "Cloudflare-Workers"], r
        r = s.get("/explode?n=1", host=h)
        assert r.status == 200 and r.text == "2", r
        r = s.get("/explode?n=5", host=h)
        assert r.status == 500, r
        o = s.wait_log(lambda o: "too big: 5" in o.get("msg", ""), what="the Boom error")
        # The app's frames name their source lines; Babel's helpers (no
        # source) keep their bundle line. fetch's frame is the line of the
        # explode() call (async functions lowered to promise calls map it
        # exactly; regenerator's state machine gave the `if` line above).
        for frame in ("at Boom (src/util.ts:3)", "at explode (src/util.ts:10)",
                      "(src/index.ts:22)"):
            assert frame in o.get("stack", ""), (frame, o)
        # An error while the script loads names the source line too.
        r = s.get("/", host="broken.localhost")
        assert r.status == 500, r
        o = s.wait_log(lambda o: "top-level code threw" in o.get("msg", ""),
                       what="the load error")
        assert "(at src/broken.ts:4)" in o["msg"], o


EMIT = """class Counter {
    #n = 0;
    static #made = 0;
    constructor() { Counter.#made++; }
    inc(): number { return ++this.#n; }
    static made(): number { return Counter.#made; }
    static peek(o: any): number { return o.#n; }
}

// transform-async-to-promises miscompiles this shape (a for-of with an
// await in the else of an if nested in an if: an unbound _exitN);
// nanod-build must catch it and send this function through regenerator.
async function find(mode: string, users: string[], probe: (u: string) => Promise<boolean>) {
    if (mode !== "none") {
        if (mode === "direct") {
            if (await probe("direct")) { return "direct ok"; }
        } else for (const u of users) {
            const ok = await probe(u);
            if (ok) { return "found " + u; }
        }
    }
    return "nobody";
}

// An await inside try whose body is one return (inlined _catch): a sync
// throw, a rejection, a value, and a catch that rethrows.
async function guarded(mode: string): Promise<string> {
    try {
        return await (mode === "sync" ? (() => { throw new Error("sync"); })()
                      : mode === "fine" ? Promise.resolve("ok " + mode)
                      : Promise.reject(new Error(mode)));
    } catch (e) {
        if (mode === "bad") { throw e; }
        return "caught " + (e as Error).message;
    }
}

// Functions called in place (what the async lowering makes): inlined as
// labeled blocks (returns from a loop and through finally; a name that
// shadows one outside, which esbuild renames anyway).
const iifeLog: string[] = [];
function pick(n: number): string | undefined {
    var r = function () {
        for (var i = 0; i < 3; i++) {
            if (i === n) { return "found " + i; }
        }
        try {
            if (n < 0) { return "negative"; }
        } finally {
            iifeLog.push("fin" + n);
        }
    }();
    return r;
}
function clash(): number[] {
    var i = 10;
    var r = function () { var i = 1; return i; }();
    return [i, r];
}
function early(n: number): string {
    if (n > 0) return function () { try { return "pos"; } finally { iifeLog.push("early"); } }();
    return "non-pos";
}

async function chain(n: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < n; i++) {
        try {
            total += await Promise.resolve(i);
            if (i === 2) { throw new Error("two"); }
        } catch (e) {
            total += 100;
        } finally {
            total += 1000;
        }
    }
    return total;
}

// Closures: named lowered arrows become ES2015 methods or declarations
// (named as the language names them; a method is not constructable).
class Box {
    v = 7;
    #hidden = "h";
    read = () => this.v;
    get = () => "get field";
    "odd-name" = () => 1;
    echo = (echo: string) => echo + "!";
    shout = (s: string) => shout(s) + "?";
    tag(): string { return this.#hidden; }
}
const shout = (s: string) => s.toUpperCase();
const square = (x: number) => x * x;
function outer(..._rest: number[]) {
    const count = () => arguments.length;
    return count();
}
function names() {
    const b = new Box(), unnamed = [(x: number) => x][0];
    let constructs = "no";
    try { new (square as any)(2); constructs = "yes"; } catch (e) { constructs = (e as Error).name; }
    return {
        read: b.read(), readName: b.read.name, get: b.get(), getName: b.get.name,
        odd: (b as any)["odd-name"].name, square: [square(3), square.name, "prototype" in square],
        unnamed: unnamed.name, constructs, args: outer(1, 2, 3), tag: b.tag(),
        echo: [b.echo("hi"), b.echo.name], shout: [b.shout("hi"), b.shout.name],
        boxKeys: Object.keys(b), boxJson: JSON.stringify(b)
    };
}

export default {
    async fetch(request: Request): Promise<Response> {
        const c = new Counter();
        c.inc();
        let brand = "";
        try { Counter.peek({}); } catch (e) { brand = (e as Error).constructor.name; }
        const probe = async (u: string) => u === "bo" || u === "direct";
        return Response.json({
            inc: c.inc(), made: Counter.made(), keys: Object.keys(c), json: JSON.stringify(c),
            brand,
            find: [await find("list", ["al", "bo"], probe), await find("direct", [], probe),
                   await find("list", ["al"], probe), await find("none", [], probe)],
            chain: await chain(4), names: names(),
            iife: [pick(1), pick(-1), pick(5), clash(), early(1), early(0), iifeLog],
            guarded: [await guarded("sync"), await guarded("async"), await guarded("fine"),
                      await guarded("bad").catch((e) => "rejected " + e.message)]
        });
    },
};
"""


def built_bundle(s, name):
    """nanod-build -c of server s's apps.ini; the text of app NAME's bundle."""
    nanod_build("-c", s.write_config())
    with open(os.path.join(s.dir, ".nanod-build", name + ".js"), encoding="utf-8") as f:
        return f.read()

def test_build_emission_private_fields_and_async_lowering():
    """#private as hidden properties (not enumerable, brand-checked), async
    functions lowered to promise calls, and the guard against the plugin's
    known miscompile: the same answers as the language defines."""
    need_node()
    apps = [SourceApp("e", "src/emit.ts", hosts="e.localhost")]
    with lib.Nanod(apps, start=False) as s:
        lib.write_files(s.dir, {"src/emit.ts": EMIT})
        out = built_bundle(s, "e")
        assert "new WeakMap" not in out, "a #private field was lowered to a WeakMap"
        # Only find() (the miscompiled shape) goes through regenerator.
        assert out.count("_regenerator().m(") == 1, out.count("_regenerator().m(")
        # Private fields are plain assignments to Symbol keys; named lowered
        # arrows are methods named by their key, or (a class field whose name
        # is free in the constructor) function declarations (get/set and
        # non-identifiers keep __name: Duktape would not name a method so,
        # and a declaration would shadow them); unnamed ones stay function
        # expressions.
        assert "Object.defineProperty(this, _" not in out, out
        assert "return Symbol(" in out, out
        assert re.search(r"function read\(\) \{", out) and "this.read = read;" in out, out
        assert re.search(r"square\(x\) \{", out) and ".square;" in out, out
        # a declaration too where the name is a parameter of the arrow itself
        # (echo) and where Duktape would not name a method (get); not where
        # the body reads an outer binding of that name (shout)
        assert re.search(r'function get\(\) \{\s*return "get field";', out), out
        assert "function echo(echo) {" in out and "this.echo = echo;" in out, out
        assert "function shout(" not in out, out
        # guarded()'s try is inlined, not a _catch(function () {...}) call
        assert re.search(r"_rec\d* = function \(e\)", out), out
        # pick's and clash's `var r = function () {...}()` are labeled blocks,
        # early's `return function () {...}()` its body in place
        assert "var r = function" not in out and re.search(r"_iife\d*: \{", out), out
        assert re.search(r'if \(n > 0\) \{\s*try \{\s*return "pos";', out), out
        s.start()
        r = s.get("/", host="e.localhost")
        assert r.status == 200, r
        assert r.json() == {
            "inc": 2, "made": 1, "keys": [], "json": "{}", "brand": "TypeError",
            "find": ["found bo", "direct ok", "nobody", "nobody"],
            "chain": 4000 + 0 + 1 + 2 + 100 + 3,
            "iife": ["found 1", "negative", None, [10, 1], "pos", "non-pos",
                     ["fin-1", "fin5", "early"]],
            "guarded": ["caught sync", "caught async", "ok fine", "rejected bad"],
            "names": {
                "read": 7, "readName": "read", "get": "get field", "getName": "get",
                "odd": "odd-name", "square": [9, "square", False], "unnamed": "",
                "constructs": "TypeError", "args": 3, "tag": "h",
                "echo": ["hi!", "echo"], "shout": ["HI?", "shout"],
                "boxKeys": ["v", "read", "get", "odd-name", "echo", "shout"],
                "boxJson": '{"v":7}',
            },
        }, r.json()


def test_first_builds_in_parallel_install_the_tools_once():
    """Four builds at once where tools/node_modules is not there yet (a fresh
    checkout, `make test`'s parallel builds, a deploy script's loop): npm ci
    empties node_modules before it fills it, so an install run under another
    build (or two installs at once) made builds fail on a missing module.
    Here on a copy of the tool, so that the repository's own node_modules is
    never touched while other tests build with it."""
    need_node()
    with tempfile.TemporaryDirectory(prefix="nd-build-") as d:
        os.makedirs(os.path.join(d, "scripts"))
        os.makedirs(os.path.join(d, "tools"))
        shutil.copy(os.path.join(lib.REPO, "scripts", "nanod-build"), os.path.join(d, "scripts"))
        for f in ("nanod-build.js", "package.json", "package-lock.json"):
            shutil.copy(os.path.join(lib.REPO, "tools", f), os.path.join(d, "tools"))
        with open(os.path.join(d, "app.ts"), "w") as f:
            f.write("const greet = async (n: string): Promise<string> => 'hi ' + n;\n"
                    "export default { async fetch(r: Request) { "
                    "return new Response(await greet(new URL(r.url).pathname)); } };\n")
        procs = [subprocess.Popen([os.path.join(d, "scripts", "nanod-build"),
                                   os.path.join(d, "app.ts"), os.path.join(d, "out%d.js" % i)],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for i in range(4)]
        outs = []
        for p in procs:
            out, _ = p.communicate(timeout=lib.timeout(600))
            outs.append((p.returncode, out.decode("utf-8", "replace")))
        for rc, out in outs:
            assert rc == 0, "a parallel first build failed:\n" + out
        installs = sum(out.count("npm ci in tools/") for _, out in outs)
        assert installs == 1, "npm ci ran %d times:\n%s" % (installs, outs)
        first = open(os.path.join(d, "out0.js"), "rb").read()
        for i in range(1, 4):
            assert open(os.path.join(d, "out%d.js" % i), "rb").read() == first


# npm ci of tools/ and four esbuild + Babel builds: past the 120 s per-test limit in
# both of two full suites run at once at nice 10 (load 24); its own waits allow 600 s.
test_first_builds_in_parallel_install_the_tools_once.timeout_s = 600


LOOP_IIFE = """// A function called in place inside a loop runs with fresh variables each
// time: closures it returns keep their own, and a `var` without initializer
// starts undefined again (the classic ES5 closure-in-a-loop idiom).
function closures(): number[] {
    var fs: Array<() => number> = [];
    for (var k = 0; k < 3; k++) {
        var f = function () { var j = k; return function () { return j; }; }();
        fs.push(f);
    }
    return fs.map(function (g) { return g(); });
}
function fresh(xs: number[]): Array<number | null> {
    var out: Array<number | null> = [], i = 0;
    while (i < xs.length) {
        var r = function () { var acc; if (xs[i] > 0) { acc = xs[i]; } return acc; }();
        out.push(r === undefined ? null : r);
        i++;
    }
    return out;
}
function retry(): number[] {
    var seen: number[] = [];
    for (var attempt = 0; attempt < 3; attempt++) {
        try {
            return function () {
                var got;
                if (attempt === 0) { got = 5; }
                seen.push(got === undefined ? -1 : got);
                if (attempt < 2) { throw new Error("again"); }
                return seen;
            }();
        } catch (e) { /* go round again */ }
    }
    return seen;
}
function once(n: number): number {
    var r = function () { var t = n * 2; return t + 1; }();
    return r;
}
export default {
    fetch(): Response {
        return Response.json([closures(), fresh([1, -1, 2, -2]), retry(), once(4)]);
    },
};
"""


def test_build_function_called_in_place_inside_a_loop():
    """nanod-build inlines `var x = function () {...}()` as a labeled block
    (its variables move into the enclosing function): inside a loop that
    shared one binding between the runs (closures all saw the last value)
    and kept a `var`'s value from the previous run (also a `return` of one
    in a try that a loop goes round again). Only outside loops."""
    need_node()
    apps = [SourceApp("l", "src/loop.ts", hosts="l.localhost")]
    with lib.Nanod(apps, start=False) as s:
        lib.write_files(s.dir, {"src/loop.ts": LOOP_IIFE})
        out = built_bundle(s, "l")
        assert len(re.findall(r"_iife\d*: \{", out)) == 1, out     # once()'s only
        s.start()
        r = s.get("/", host="l.localhost")
        assert r.status == 200, r
        assert r.json() == [[0, 1, 2], [1, None, 2, None], [5, -1, -1], 9], r.json()


SWITCH_AWAIT = """async function step(log: string[], n: number): Promise<void> {
    log.push("step " + n);
    if (n > 2) { throw new Error("at " + n); }
}
export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const log: string[] = [];
        let result: unknown = "ok";
        try {
            switch (url.pathname) {
            case "/one":
                await step(log, 1);
                break;
            case "/two":
                await step(log, 2);
                break;
            case "/three":
                await step(log, 3);
                break;
            default:
                return new Response("no such case", { status: 404 });
            }
        } catch (e) {
            result = "threw " + (e as Error).message;
        }
        return Response.json({ log, result });
    },
};
"""


def test_build_recovers_from_the_async_plugin_throwing_in_colour():
    """transform-async-to-promises throws on this shape (bare awaits in a
    switch in a try: "Path was expected to have a container!"); nanod-build
    finds the function from the line in Babel's code frame and sends it
    through regenerator. Babel colours that frame where picocolors sees a
    terminal, FORCE_COLOR or a CI variable: on the CI machine the line was
    not found and the build failed. The same bundle with or without colour."""
    need_node()
    apps = [SourceApp("w", "src/switch.ts", hosts="w.localhost")]
    with lib.Nanod(apps, start=False) as s:
        lib.write_files(s.dir, {"src/switch.ts": SWITCH_AWAIT})
        src = os.path.join(s.dir, "src", "switch.ts")
        outs = []
        for i, extra in enumerate(({"CI": "1"}, {"FORCE_COLOR": "1"}, {"NO_COLOR": "1"})):
            env = {k: v for k, v in os.environ.items()
                   if k not in ("CI", "FORCE_COLOR", "NO_COLOR")}
            env.update(extra)
            out = os.path.join(s.dir, "out%d.js" % i)
            p = subprocess.run([os.path.join(lib.REPO, "scripts", "nanod-build"), src, out],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                               timeout=lib.timeout(300))
            assert p.returncode == 0, "with %s:\n%s" % (extra, p.stdout.decode("utf-8", "replace"))
            with open(out, encoding="utf-8") as f:
                outs.append(f.read())
        assert outs[0] == outs[1] == outs[2]
        assert "_regenerator().m(" in outs[0], "fetch() did not go through regenerator"
        built_bundle(s, "w")
        s.start()
        assert s.get("/one", host="w.localhost").json() == {"log": ["step 1"], "result": "ok"}
        assert s.get("/three", host="w.localhost").json() == \
            {"log": ["step 3"], "result": "threw at 3"}
        assert s.get("/four", host="w.localhost").status == 404


def test_build_honours_a_packages_browser_map():
    """A package's "browser" map (as wrangler's browser platform reads it):
    a module mapped to false is an empty module, and one mapped to another
    file is that file (object-inspect under qs maps require("util") to
    false: "Could not resolve" before). The disabled module is not an input
    in the manifest (it has no file), so nanod does not call the build stale."""
    need_node()
    pkg = "node_modules/inspectish/"
    apps = [SourceApp("m", "src/map.ts", hosts="m.localhost")]
    with lib.Nanod(apps, start=False) as s:
        lib.write_files(s.dir, {
            pkg + "package.json": '{"name": "inspectish", "version": "1.0.0", "main": "index.js",'
                                  ' "browser": {"./util.inspect.js": false,'
                                  ' "./impl-node.js": "./impl-web.js"}}',
            pkg + "index.js": 'var inspect = require("./util.inspect.js");\n'
                              'var impl = require("./impl-node.js");\n'
                              'module.exports = function () {\n'
                              '    return [typeof inspect, JSON.stringify(inspect), impl.kind];\n'
                              '};\n',
            pkg + "util.inspect.js": 'module.exports = require("util").inspect;\n',
            pkg + "impl-node.js": 'module.exports = { kind: "node" };\n',
            pkg + "impl-web.js": 'module.exports = { kind: "web" };\n',
            "src/map.ts": 'import probe from "inspectish";\n'
                          'export default { fetch(): Response { return Response.json(probe()); } };\n',
        })
        bundle = built_bundle(s, "m")
        assert "kind: \"node\"" not in bundle
        with open(os.path.join(s.dir, ".nanod-build", "m.js.manifest"), encoding="utf-8") as f:
            manifest = f.read()
        assert "disabled" not in manifest and "impl-web.js" in manifest, manifest
        r = lib.check_config(s.write_config())
        assert r.rc == 0, r
        s.start()
        r = s.get("/", host="m.localhost")
        assert r.status == 200 and r.json() == ["object", "{}", "web"], (r, r.text)


def test_compat_npm_ci_in_parallel_installs_once():
    """tests/compat/node_modules has three users that make test runs at once
    (the compat suite, test_d1_drizzle, test_crypto's jose interop), each
    running npm ci when it is not there yet: two at once failed with
    ENOTEMPTY and left it half filled, and every compat build then failed on
    'Could not resolve' (CI, a fresh clone). tests/compat/run.py's npm_ci
    holds a lock and looks again once it has it. Here on a copy of the
    package files, three at once."""
    need_node()
    compat = os.path.join(lib.REPO, "tests", "compat")
    with tempfile.TemporaryDirectory(prefix="nd-compat-ci-") as d:
        for f in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(compat, f), d)
        code = ("import sys; sys.path.insert(0, %r); import run; print('result', run.npm_ci(%r))"
                % (compat, d))
        procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT) for _ in range(3)]
        outs = [p.communicate(timeout=lib.timeout(600))[0].decode("utf-8", "replace")
                for p in procs]
        for p, out in zip(procs, outs):
            assert p.returncode == 0 and "result None" in out, out
        installs = sum(out.count("npm ci:") for out in outs)
        assert installs == 1, "npm ci ran %d times:\n%s" % (installs, outs)
        for mod in ("jose", "hono", "drizzle-orm"):
            assert os.path.isfile(os.path.join(d, "node_modules", mod, "package.json")), mod


# npm ci of tests/compat (~90 packages): its own limit, as the tools/ one above.
test_compat_npm_ci_in_parallel_installs_once.timeout_s = 600
