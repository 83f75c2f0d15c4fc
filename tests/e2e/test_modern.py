"""Modern JavaScript (issue 9): a TypeScript app built with scripts/nanod-build
and served by nanod (`source =`), ES2015+ built-ins in a real heap, and the
errors for modern syntax in a plain `script =`."""

import os
import shutil
import subprocess
import time

import lib
from test_fetch import Upstream

MODERN = os.path.join(lib.APPS_DIR, "modern")
BUILD = os.path.join(lib.REPO, "scripts", "nanod-build")
FIX = "not supported by the engine; build this app with scripts/nanod-build (see README)"


class SourceApp(lib.App):
    """[app:NAME] with source = SRC instead of script =."""

    def __init__(self, name, src, **kw):
        lib.App.__init__(self, name, source="", **kw)
        self.src = src

    def ini(self):
        return lib.App.ini(self).replace("script = %s" % self.script, "source = %s" % self.src)


def need_node():
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise lib.Skip("Node.js not installed (scripts/install-deps or scripts/nanod-build "
                       "installs nodejs + npm)")


def nanod_build(*args):
    t0 = time.monotonic()
    p = subprocess.run([BUILD] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=lib.timeout(300))
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, "nanod-build %s failed:\n%s" % (" ".join(args), out)
    lib.note("nanod-build: %.2fs\n%s" % (time.monotonic() - t0, out))
    return out


def test_modern_typescript_app():
    need_node()
    app = SourceApp("modern", "src/index.ts", hosts="modern.localhost",
                    env={"GREETING": "hi"}, extra={"cpu_limit": "1s", "fetch_allow": "127.0.0.1"})
    with Upstream() as up, lib.Nanod([app], start=False) as s:
        shutil.copytree(os.path.join(MODERN, "src"), os.path.join(s.dir, "src"))
        ini = s.write_config()
        r = lib.check_config(ini)
        assert r.rc == 3 and "[app:modern] source src/index.ts is not built" in r.output \
            and "run scripts/nanod-build -c" in r.output, r
        nanod_build("-c", ini)
        out = os.path.join(s.dir, ".nanod-build", "modern.js")
        assert os.path.getsize(out) > 1000 and os.path.isfile(out + ".manifest")
        r = lib.check_config(ini)
        assert r.rc == 0, r
        s.start()
        h = "modern.localhost"
        r = s.get("/classes", host=h)
        assert r.status == 200 and r.json() == {
            "names": ["rect 2x3", "square 4 (rect 4x4)"], "areas": [6, 16], "count": True,
            "instance": True}, r
        r = s.get("/async", host=h)
        assert r.status == 200 and r.json() == {"results": [10, 20, 30], "waited": True}, r
        r = s.get("/syntax", host=h)
        assert r.status == 200 and r.json() == {
            "merged": {"d": 4, "e": 5, "a": 1, "c": 5, "more": [40, 50, 0, 1, 2]},
            "label": "hi: 10+x total=6", "optional": "dflt", "call": None, "exp": 1024,
            "chars": 3}, r
        r = s.get("/map", host=h)
        assert r.status == 200 and r.json() == {
            "out": ["one=1", "two=2", "three=3"], "keys": ["one", "two", "three"],
            "set": [1, 2, 3], "size": 3, "entries": [["x", 1]], "includes": True}, r
        r = s.get("/headers", host=h, headers={"X-B": "2", "X-A": "1"})
        # nanod adds the client-address headers, as Cloudflare does (README, "Running on
        # more than one machine"); the app lists every x-* header.
        assert r.status == 200 and r.json() == {"names": [
            "x-a:1", "x-b:2", "x-forwarded-for:127.0.0.1", "x-real-ip:127.0.0.1"]}, r
        r = s.get("/error", host=h)
        assert r.status == 418 and r.json() == {"error": "teapot", "name": "HttpError"}, r
        r = s.get("/nope", host=h)
        assert r.status == 404, r
        # The JSON API route: async fetch() to a local upstream, awaited.
        r = s.get("/upstream?u=" + up.url("/echo"), host=h)
        assert r.status == 200 and r.json() == {
            "status": 200, "method": "POST", "body": {"hello": "world"}}, r

        # An edited source makes the build stale: -t names it and the fix.
        src = os.path.join(s.dir, "src", "shapes.ts")
        with open(src, "a", encoding="utf-8") as f:
            f.write("\n// edited\n")
        r = lib.check_config(ini)
        line = lib.line_of(open(ini, encoding="utf-8").read(), "source = src/index.ts")
        assert r.rc == 3 and ("apps.ini:%d: [app:modern] source src/index.ts is newer than its "
                              "build (" % line) in r.output \
            and "(src/shapes.ts changed)" in r.output, r


CASES = [
    ("arrow functions are", "  return list.map(x => x * 2);"),
    ("let declarations are", "  let n = 1;"),
    ("classes are", "class Foo {"),
    ("template literals are", "  var s = `hello ${name}`;"),
    ("async functions are", "async function f() {"),
    ("destructuring declarations are", "  var { a, b } = obj;"),
    ("spread and rest syntax (...) is", "  f(...args);"),
    ("optional chaining (?.) is", "  var z = a?.b;"),
    ("for-of loops are", "  for (const k of list) {"),
    ("generators are", "function* gen() {"),
]


def test_modern_syntax_errors_name_the_construct():
    pre = "\n".join("// line %d" % i for i in range(1, 12)) + "\n"     # lines 1..11
    with lib.tempdir() as d:
        for i, (what, line) in enumerate(CASES):
            files = {"apps/x.js": pre + line + "\n}\n}\nmodule.exports = {};\n"}
            lib.write_files(d, files)
            ini = os.path.join(d, "apps.ini")
            with open(ini, "w") as f:
                f.write("[server]\nlisten = 127.0.0.1:%d\n\n[app:x]\nscript = apps/x.js\n"
                        "default = yes\n" % lib.free_port())
            r = lib.check_config(ini)
            want = "apps/x.js:12: %s %s" % (what, FIX)
            assert r.rc == 3 and want in r.output, "%s\nwant: %s" % (r, want)


def test_modern_builtins_table():
    app = lib.App("b", source=lib.read_app("modern/builtins.js"), hosts="b.localhost",
                  extra={"cpu_limit": "1s"})
    with lib.Nanod([app]) as s:
        r = s.get("/", host="b.localhost")
        assert r.status == 200, r
        res = r.json()
        assert res["failed"] == 0 and res["passed"] >= 70, res
        # Twice in the same heap: the lazily loaded built-ins stay.
        r = s.get("/", host="b.localhost")
        assert r.json()["failed"] == 0, r


MISSING = """module.exports = { fetch: function (request) {
    var p = new URL(request.url).pathname;
    if (p === "/intl") { return new Response(new Intl.NumberFormat("en-US").format(1)); }
    if (p === "/normalize") { return new Response("e\\u0301".normalize("NFC")); }
    if (p === "/wasm") { return new Response(String(WebAssembly.validate(new Uint8Array(0)))); }
    if (p === "/bigint") { return new Response(String(BigInt("0xff"))); }
    return new Response(String(typeof Intl));
} };
"""


def test_missing_engine_features_say_so():
    """What the engine lacks (Intl, String.prototype.normalize, WebAssembly)
    fails with Duktape's own words ("identifier 'Intl' undefined"), which do
    not say why: the error log line names the feature as unsupported. Feature
    detection (typeof Intl) still sees it absent, and BigInt's hex strings
    (0x...n literals after the build) convert."""
    with lib.Nanod([lib.App("m", source=MISSING, hosts="m.localhost")]) as s:
        r = s.get("/", host="m.localhost")
        assert r.status == 200 and r.text == "undefined", (r, r.text)
        r = s.get("/bigint", host="m.localhost")
        assert r.status == 200 and r.text == "255", (r, r.text)
        for path, what in (("/intl", "Intl (no ICU in nanod's engine)"),
                           ("/normalize", "String.prototype.normalize"),
                           ("/wasm", "WebAssembly")):
            r = s.get(path, host="m.localhost")
            assert r.status == 500, (path, r)
            want = what + " is not supported by nanod's JavaScript engine"
            line = s.wait_log(lambda o: o.get("app") == "m" and want in o.get("msg", ""),
                              what="the log line of %s naming %s" % (path, what))
            # Once: the request's error passes both nd_js_describe_error and
            # the host's fail, and each adds the hint where it is missing.
            assert line["msg"].count(want) == 1, line
