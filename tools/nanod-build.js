/*
 * nanod-build (run through scripts/nanod-build): entry .js/.mjs/.ts with its
 * relative imports -> one ES5 file for Duktape.
 *
 * 1. esbuild bundles (and strips TypeScript types) into an IIFE whose value
 *    is the module's exports; 2. Babel (preset-env for an ES5 engine,
 *    regenerator for async/await and generators) lowers the whole bundle, with
 *    its helpers inlined once; 3. `module.exports = <default export>` at the
 *    end, the form worker/js/loader.c accepts. An app that only calls
 *    addEventListener("fetch") exports nothing and that is fine too.
 *
 * OUT.manifest lists every input (size, mtime in ms, path relative to OUT's
 * directory): common/config.c refuses a `source =` app whose build is stale.
 */
"use strict";

var fs = require("fs");
var path = require("path");
var esbuild = require("esbuild");
var babel = require("@babel/core");

var GLOBAL = "__nanod_app";

/*
 * Duktape's Reflect.get/set throw "unsupported" when given a receiver, which
 * Babel's helpers pass for `super.x` (a getter on the parent class). Built
 * apps get this ES5 fallback, only when the engine needs it.
 */
var PRELUDE = "(function () {\n"
    + "    var get = Reflect.get, set = Reflect.set;\n"
    + "    function find(o, k) {\n"
    + "        var d;\n"
    + "        for (; o !== null && o !== undefined; o = Object.getPrototypeOf(o)) {\n"
    + "            d = Object.getOwnPropertyDescriptor(o, k);\n"
    + "            if (d !== undefined) { return d; }\n"
    + "        }\n"
    + "    }\n"
    + "    try { get({}, \"x\", {}); } catch (e) {\n"
    + "        Reflect.get = function (t, k, r) {\n"
    + "            var d;\n"
    + "            if (arguments.length < 3 || r === t) { return get(t, k); }\n"
    + "            d = find(t, k);\n"
    + "            return d === undefined ? undefined : d.get ? d.get.call(r) : d.value;\n"
    + "        };\n"
    + "    }\n"
    + "    try { set({}, \"x\", 1, {}); } catch (e) {\n"
    + "        Reflect.set = function (t, k, v, r) {\n"
    + "            var d;\n"
    + "            if (arguments.length < 4 || r === t) { return set(t, k, v); }\n"
    + "            d = find(t, k);\n"
    + "            if (d !== undefined && d.set) { d.set.call(r, v); return true; }\n"
    + "            if (d !== undefined && (d.get || !d.writable)) { return false; }\n"
    + "            r[k] = v;\n"
    + "            return true;\n"
    + "        };\n"
    + "    }\n"
    + "})();\n";

/*
 * Syntax ES5 lacks that preset-env leaves alone. import(x) left by esbuild (x not a bundled module, or not a literal):
 * ES5 has no such syntax, so the whole app would fail to parse. It becomes a
 * rejected promise saying why, at run time, only where it is reached
 * (hono/logger probes `await import("cloudflare:workers")` and copes).
 */
function dynamicImport(api) {
    var t = api.types;

    return {
        name: "nanod-dynamic-import",
        visitor: {
            /* 10n: Duktape has no BigInt literal; BigInt("10") is nanod's
             * BigInt, which keeps the digits and refuses arithmetic. */
            BigIntLiteral: function (p) {
                p.replaceWith(t.callExpression(t.identifier("BigInt"),
                                               [t.stringLiteral(p.node.value)]));
            },
            CallExpression: function (p) {
                if (p.node.callee.type !== "Import") {
                    return;
                }
                p.replaceWith(t.callExpression(
                    t.functionExpression(null, [t.identifier("s")], t.blockStatement([
                        t.returnStatement(t.callExpression(
                            t.memberExpression(t.identifier("Promise"), t.identifier("reject")),
                            [t.newExpression(t.identifier("TypeError"), [t.binaryExpression("+",
                                t.binaryExpression("+", t.stringLiteral("import(\""),
                                                   t.identifier("s")),
                                t.stringLiteral("\"): not in the bundle; nanod-build bundles "
                                    + "only modules imported by a literal path it can find"))])]))
                    ])), p.node.arguments.slice(0, 1)));
            }
        }
    };
}

function usage() {
    process.stderr.write("usage: scripts/nanod-build SRC OUT\n"
                         + "       scripts/nanod-build -c apps.ini   (every app with source =)\n");
    process.exit(2);
}

/* Base64 VLQ (source map "mappings") -> [[genLine, srcIndex, srcLine]], the
 * first mapped segment of each generated line, lines from 0. */
function firstSegments(mappings) {
    var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    var out = [], lines = mappings.split(";"), src = 0, srcLine = 0, g, segs, i, vals, v, shift,
        c, d, seg, done;

    for (g = 0; g < lines.length; g++) {
        segs = lines[g] === "" ? [] : lines[g].split(",");
        done = false;
        for (i = 0; i < segs.length; i++) {
            seg = segs[i];
            vals = [];
            v = 0;
            shift = 0;
            for (c = 0; c < seg.length; c++) {
                d = B64.indexOf(seg.charAt(c));
                v += (d & 31) << shift;
                if (d & 32) {
                    shift += 5;
                } else {
                    vals.push(v & 1 ? -(v >>> 1) : v >>> 1);
                    v = 0;
                    shift = 0;
                }
            }
            if (vals.length >= 4) {
                src += vals[1];
                srcLine += vals[2];
                if (!done) {
                    out.push([g, src, srcLine]);
                    done = true;
                }
            }
        }
    }
    return out;
}

/*
 * OUT.lines: which source line each line of OUT comes from, for nanod to
 * show src/index.ts:12 instead of OUT:2247 in stack traces (worker/srcmap.c).
 * Text: "nanod-build lines 1", then "F path" per source (relative to base,
 * the apps.ini directory or the current one), then "outLine fileIndex line"
 * (1-based) for each line of OUT that maps somewhere.
 */
function lineTable(map, out, base, skip) {
    var outDir = path.dirname(path.resolve(out));
    var text = "nanod-build lines 1\n" + map.sources.map(function (s) {
        return "F " + path.relative(base, path.resolve(outDir, s)) + "\n";
    }).join("");
    firstSegments(map.mappings).forEach(function (e) {
        text += (e[0] + 1 + skip) + " " + e[1] + " " + (e[2] + 1) + "\n";
    });
    return text;
}

function build(src, out, base) {
    var t0 = Date.now(), r, code, res, inputs, manifest, outDir = path.dirname(path.resolve(out)),
        js, map;

    if (!fs.existsSync(src)) {
        throw new Error(src + ": no such file");
    }
    try {
        r = esbuild.buildSync({
            entryPoints: [src],
            bundle: true,
            format: "iife",
            globalName: GLOBAL,
            /* As wrangler: the Workers entry points of packages (nanoid,
             * uuid pick their Node one otherwise), names as written
             * (class.name, fn.name: jose's error names), a production
             * process.env.NODE_ENV for libraries that look at it. */
            platform: "neutral",
            conditions: ["workerd", "worker", "browser"],
            mainFields: ["browser", "module", "main"],
            keepNames: true,
            define: { "process.env.NODE_ENV": "\"production\"" },
            target: "es2020",
            resolveExtensions: [".ts", ".mjs", ".js", ".json"],
            charset: "utf8",
            write: false,
            outfile: path.resolve(out),
            sourcemap: "external",
            sourcesContent: false,
            metafile: true,
            logLevel: "silent"
        });
    } catch (e) {
        /* esbuild errors: "file:line:col: message" */
        throw new Error((e.errors || []).map(function (m) {
            var l = m.location;
            return (l ? l.file + ":" + l.line + ":" + (l.column + 1) + ": " : "") + m.text;
        }).join("\n") || String(e));
    }
    r.outputFiles.forEach(function (f) {
        if (/\.map$/.test(f.path)) {
            map = JSON.parse(f.text);
        } else {
            js = f.text;
        }
    });
    /* The prelude's lines come first: shift the map by as many lines. */
    map.mappings = new Array(PRELUDE.split("\n").length).join(";") + map.mappings;
    code = PRELUDE + js + "\nmodule.exports = " + GLOBAL + " && " + GLOBAL
        + ".default !== undefined ? " + GLOBAL + ".default : " + GLOBAL + ";\n";
    res = babel.transformSync(code, {
        babelrc: false,
        configFile: false,
        filename: path.basename(out),
        sourceType: "script",
        compact: false,
        comments: false,
        sourceMaps: true,
        inputSourceMap: map,
        presets: [[require.resolve("@babel/preset-env"), {
            targets: { ie: "11" },
            modules: false,
            bugfixes: false,
            /* function-name: esbuild's keepNames already names every
             * function (and it took 91% of a 1 MB bundle's build time). */
            exclude: ["transform-typeof-symbol", "transform-function-name"]
        }]],
        plugins: [dynamicImport]
    });
    inputs = Object.keys(r.metafile.inputs).map(function (p) {
        var abs = path.resolve(p), st = fs.statSync(abs);
        return st.size + " " + Math.floor(st.mtimeMs) + " " + path.relative(outDir, abs);
    });
    manifest = "# nanod-build manifest 1: size mtime_ms path (relative to this file)\n"
        + inputs.join("\n") + "\n";
    fs.mkdirSync(outDir, { recursive: true });
    /* Atomic, output first: a reader that sees the manifest sees this output. */
    fs.writeFileSync(out + ".tmp", "/* built by scripts/nanod-build from "
                     + path.relative(outDir, path.resolve(src)) + ": do not edit */\n"
                     + res.code + "\n");
    fs.renameSync(out + ".tmp", out);
    fs.writeFileSync(out + ".lines.tmp", lineTable(res.map, out, base || process.cwd(), 1));
    fs.renameSync(out + ".lines.tmp", out + ".lines");
    fs.writeFileSync(out + ".manifest.tmp", manifest);
    fs.renameSync(out + ".manifest.tmp", out + ".manifest");
    process.stderr.write("nanod-build: " + src + " -> " + out + " ("
                         + fs.statSync(out).size + " bytes, " + inputs.length + " inputs, "
                         + (Date.now() - t0) + " ms)\n");
}

/* [app:x] sections with source = ...: [[name, src]] (a small INI reader). */
function appsOf(ini) {
    var apps = [], app = null;
    fs.readFileSync(ini, "utf8").split("\n").forEach(function (line) {
        var m;
        line = line.replace(/^\s+|\s+$/g, "");
        if ((m = /^\[app:([^\]]+)\]$/.exec(line)) !== null) {
            app = m[1].trim();
        } else if (/^\[/.test(line)) {
            app = null;
        } else if (app !== null && (m = /^source\s*=\s*(.*?)\s*(?:[;#].*)?$/.exec(line))) {
            apps.push([app, m[1]]);
        }
    });
    return apps;
}

function main(argv) {
    var dir;

    if (argv.length === 2 && argv[0] === "-c") {
        dir = path.dirname(path.resolve(argv[1]));
        appsOf(argv[1]).forEach(function (a) {
            build(path.resolve(dir, a[1]), path.join(dir, ".nanod-build", a[0] + ".js"), dir);
        });
    } else if (argv.length === 2 && argv[0][0] !== "-") {
        build(argv[0], argv[1]);
    } else {
        usage();
    }
}

try {
    main(process.argv.slice(2));
} catch (e) {
    process.stderr.write("nanod-build: " + (e && e.message ? e.message : String(e)) + "\n");
    process.exit(1);
}
