"""RegExp on PCRE2 (issue 19) in a real nanod: modern regexps in app code
(literals and run-time patterns), `nanod -t` on a bundle with lookbehind,
and a catastrophic pattern cut off at cpu_limit with the neighbour unharmed."""

import os
import time

import lib
from test_limits import Neighbour, assert_neighbour_fine

# ES5 app code as nanod-build leaves it: regexp literals are not lowered.
MODERN_JS = r"""
var routes = [];
function route(method, path, handler) {
    // itty-router style: "/users/:id" -> a named group per parameter
    var src = "^" + path.replace(/\/:(\w+)/g, "/(?<$1>[^/]+)") + "/?$";
    routes.push({ method: method, re: new RegExp(src), handler: handler });
}
route("GET", "/users/:id/posts/:post", function (p) { return p.id + "|" + p.post; });
var unused = /(?<=\$)\d+(?!\.)/;        // lookbehind: must not stop nanod -t
var unused2 = /(?<=\$\d+)x/;           // variable-length: PCRE2 10.42 cannot; fails at first use
var punct = new RegExp("[\\p{P}\\p{S}]", "u");      // marked
var emoji = new RegExp("^(\\p{Extended_Pictographic}|\\p{Emoji_Component})+$", "u");  // zod
module.exports = {
    fetch: function (request) {
        var url = new URL(request.url), i, m, q = url.searchParams.get("q") || "";
        for (i = 0; i < routes.length; i++) {
            m = routes[i].re.exec(url.pathname);
            if (m) {
                return new Response(routes[i].handler(m.groups));
            }
        }
        if (url.pathname === "/features") {
            var out = {
                dates: "2024-05-17".replace(/(?<y>\d+)-(?<m>\d+)-(?<d>\d+)/u, "$<d>.$<m>.$<y>"),
                all: "a-b-c".replaceAll(/-/g, "+"),
                sticky: (function () { var r = /\d/y; r.lastIndex = 2; return [r.test("ab1"), r.lastIndex]; })(),
                dotall: /a.b/s.test("a\nb"),
                indices: /b(c)/d.exec("abc").indices[1],
                behind: "cost $42 or 17".match(/(?<=\$)\d+/)[0],
                notbehind: "cost $42 or 17".match(/(?<!\$)\b\d+/)[0],
                props: [punct.test(q), emoji.test(q)],
                flags: /x/dgimsuy.flags,
                split: "a1b2c".split(/\d/),
                all2: Array.prototype.map.call(["x1y2"], function (s) {
                    var it = s.matchAll(/(?<n>\d)/g), r = [], x;
                    while (!(x = it.next()).done) { r.push(x.value.groups.n + "@" + x.value.index); }
                    return r.join(",");
                })[0],
                astral: "\ud83d\ude00x".search(/x/u)
            };
            return new Response(JSON.stringify(out), { headers: { "content-type": "application/json" } });
        }
        if (url.pathname === "/catastrophic") {
            var s = new Array(31).join("a") + "!";
            return new Response(String(/(a+)+$/.test(s)));
        }
        if (url.pathname === "/varlookbehind") {
            try { return new Response(String(unused2.test("$12x"))); }
            catch (e) { return new Response(e.name + ": " + e.message, { status: 400 }); }
        }
        if (url.pathname === "/runtime-syntax") {
            try { new RegExp(q, "u"); return new Response("compiled"); }
            catch (e) { return new Response(e.name + ": " + e.message, { status: 400 }); }
        }
        return new Response("no route", { status: 404 });
    }
};
"""


def modern_apps(extra=None):
    ex = {"cpu_limit": "50ms"}
    ex.update(extra or {})
    return [lib.App("modern", source=MODERN_JS, hosts="modern.test", extra=ex),
            lib.App("good", file="limits_good.js", hosts="good.test")]


def test_modern_regexp_features_serve():
    with lib.Nanod(modern_apps()) as s:
        r = s.get("/users/42/posts/7", host="modern.test")
        assert r.status == 200 and r.text == "42|7", r
        r = s.get("/users/42/posts/7/", host="modern.test")
        assert r.status == 200 and r.text == "42|7", r
        r = s.get("/features?q=%F0%9F%98%80", host="modern.test")
        assert r.status == 200, r
        j = r.json()
        assert j["dates"] == "17.05.2024", j
        assert j["all"] == "a+b+c", j
        assert j["sticky"] == [True, 3], j
        assert j["dotall"] is True, j
        assert j["indices"] == [2, 3], j
        assert j["behind"] == "42" and j["notbehind"] == "17", j
        assert j["props"] == [True, True], j        # an emoji is a \p{S} and an emoji
        assert j["flags"] == "dgimsuy", j
        assert j["split"] == ["a", "b", "c"], j
        assert j["all2"] == "1@1,2@3", j
        assert j["astral"] == 2, j                  # UTF-16 index, as in JS engines
        r = s.get("/features?q=abc", host="modern.test")
        assert r.json()["props"] == [False, False], r
        # a bad run-time pattern is the app's SyntaxError, not a crash
        r = s.get("/runtime-syntax?q=%5Cp%7BNope%7D", host="modern.test")
        assert r.status == 400 and "SyntaxError" in r.text and "property" in r.text, r
        # variable-length lookbehind: a SyntaxError naming the limitation, at use
        r = s.get("/runtime-syntax?q=(%3F%3C%3Da%2B)b", host="modern.test")
        assert r.status == 200 and r.text == "compiled", r
        r = s.get("/varlookbehind", host="modern.test")
        assert r.status == 400 and "lookbehind assertion is not fixed length" in r.text, r


def test_check_accepts_modern_regexp_literals():
    """nanod -t compiles every app: lookbehind, named groups, u/s/y/d literals
    no longer make it reject the bundle."""
    with lib.tempdir() as d:
        path = lib.make_config(d, modern_apps(), "127.0.0.1:%d" % lib.free_port())
        r = lib.check_config(path)
        assert r.rc == 0, r


def test_check_reports_invalid_regexp_literal():
    src = ("module.exports = {\n"
           "    fetch: function (request) {\n"
           "        var re = /(?<a>x)(?<a>y)/;\n"          # line 3: duplicate name
           "        return new Response(String(re));\n"
           "    }\n"
           "};\n")
    with lib.tempdir() as d:
        apps = [lib.App("bad", source=src, hosts="bad.test")]
        path = lib.make_config(d, apps, "127.0.0.1:%d" % lib.free_port())
        r = lib.check_config(path)
        assert r.rc != 0, r
        script = os.path.join(d, "apps/bad.js")
        assert "%s:3: SyntaxError" % script in r.output, r
        assert "duplicate capture group name" in r.output, r


def test_catastrophic_regexp_stopped_at_cpu_limit():
    """/(a+)+$/ on 30 a's and a '!' backtracks 2^30 times: stopped at the
    app's cpu_limit (50 ms) with a 503; the neighbour keeps getting 200s and
    the worker is not replaced; the app serves again afterwards."""
    with lib.Nanod(modern_apps(), server_extra={"request_timeout": "5s"}) as s:
        pid = s.wait_workers(1)[0]
        assert s.get("/users/1/posts/2", host="modern.test").status == 200
        with Neighbour(s) as nb:
            took = []
            for _ in range(3):
                t0 = time.monotonic()
                r = s.get("/catastrophic", host="modern.test")
                took.append(time.monotonic() - t0)
                assert r.status == 503, r
                assert "cpu_limit exceeded" in r.text, r
                r = s.get("/users/1/posts/2", host="modern.test")
                assert r.status == 200 and r.text == "1|2", r
            lib.wait_until(lambda: len(nb.results) >= 20, 30, "20 neighbour requests")
        lib.note("catastrophic regexp, cpu_limit 50 ms: 503 after %s ms" %
                 ", ".join("%.0f" % (t * 1000) for t in took))
        # generous for a loaded box (the limit is CPU time, this is wall time)
        assert min(took) < 1.5, took
        assert_neighbour_fine(nb, worst_ms=1500)
        assert s.worker_pids() == [pid], "the worker was replaced"
        s.wait_log(lambda o: o.get("app") == "modern" and "cpu_limit exceeded" in o["msg"],
                   what="cpu_limit log line")


# Regexp literals of every feature nanod's RegExp runs, in an ES module that
# scripts/nanod-build bundles: they must come out as written (not lowered to
# helpers and range lists), pass `nanod -t`, and give Node's answers.
BUILT_SRC = r"""
const re = { named: /(?<y>\d{4})-(?<m>\d\d)/u, dot: /a.b/s, sticky: /\d/y, prop: /\p{Lu}+/u,
             behind: /(?<=\$)\d+/, nbehind: /(?<!\$)\b\d+/, idx: /b(c)/d, astral: /\u{1F600}/u };
export default {
  fetch(request) {
    const out = {
      named: "on 2024-05".match(re.named).groups.m,
      dot: re.dot.test("a\nb"),
      sticky: (re.sticky.lastIndex = 1, re.sticky.test("a1")),
      prop: "abCDe".match(re.prop)[0],
      behind: "cost $42".match(re.behind)[0],
      nbehind: "$42 17".match(re.nbehind)[0],
      idx: re.idx.exec("abc").indices[1],
      astral: re.astral.test("\u{1F600}"),
      src: [re.named.source, re.prop.flags]
    };
    return new Response(JSON.stringify(out));
  }
};
"""


def test_built_regexp_literals_are_not_lowered():
    from test_modern import SourceApp, nanod_build, need_node
    need_node()
    app = SourceApp("lit", "lit.mjs", hosts="lit.test")
    with lib.Nanod([app], start=False) as s:
        with open(os.path.join(s.dir, "lit.mjs"), "w") as f:
            f.write(BUILT_SRC)
        ini = s.write_config()
        nanod_build("-c", ini)
        with open(os.path.join(s.dir, ".nanod-build", "lit.js")) as f:
            out = f.read()
        for lit in (r"/(?<y>\d{4})-(?<m>\d\d)/u", "/a.b/s", r"/\d/y", r"/\p{Lu}+/u",
                    r"/(?<=\$)\d+/", r"/b(c)/d", r"/\u{1F600}/u"):
            assert lit in out, "%s lowered by nanod-build" % lit
        assert "_wrapRegExp" not in out
        r = lib.check_config(ini)
        assert r.rc == 0, r
        s.start()
        r = s.get("/", host="lit.test")
        # Node 20 answers the same for this module
        assert r.status == 200 and r.json() == {
            "named": "05", "dot": True, "sticky": True, "prop": "CD", "behind": "42",
            "nbehind": "17", "idx": [2, 3], "astral": True,
            "src": ["(?<y>\\d{4})-(?<m>\\d\\d)", "u"]}, r
