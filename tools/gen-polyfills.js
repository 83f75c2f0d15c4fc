/*
 * scripts/gen-polyfills: core-js (pinned in tools/package-lock.json) ->
 * worker/js/bootstrap/lazy/generated/es-*.js, ES5 files that `make` embeds
 * like any other lazy bootstrap file (no node needed to build nanod). Each
 * file's header says what it provides (scripts/gen-lazy checks it, tests/js
 * loads it and checks every name) and that es-stubs.js installs it.
 *
 * GROUPS below is the one table: which core-js modules go into which lazy
 * file, and which properties load that file on first touch. es-stubs.js
 * (run in every heap by bootstrap/00-core.js) turns the table, kept there as
 * one string, into accessors: reading Map, [].includes, "x"[Symbol.iterator]...
 * removes every accessor of the group (es-stubs.js again), runs the group's
 * file (bytecode cached per worker) and answers with the real property.
 *
 * Not polyfilled here because Duktape 2.7 has them natively: Object.assign,
 * Object.is, String.prototype includes/startsWith/endsWith/repeat/codePointAt,
 * String.fromCodePoint, Number.isInteger/isFinite/isNaN/isSafeInteger/EPSILON,
 * Math trunc/sign/cbrt/log2/log10/hypot/clz32/imul, Symbol (with iterator,
 * toPrimitive, hasInstance, toStringTag), Reflect, Proxy, Promise (ours).
 */
"use strict";

var esbuild = require("esbuild");
var fs = require("fs");
var path = require("path");

var TOOLS = __dirname;
var OUT = path.join(TOOLS, "..", "worker", "js", "bootstrap", "lazy", "generated");
var COREJS = require("core-js/package.json").version;

/* props: "Owner" (a global path) -> names; "@@iterator" is Symbol.iterator,
 * "@@asyncIterator" Symbol.asyncIterator. "" is the global object. */
var GROUPS = [
    {
        /* native: in C (worker/js/collections.c); the file is hand-written
         * (lazy/es-collections.js, not in generated/) and only its stubs
         * come from here. */
        file: "es-collections",
        what: "Map, Set, WeakMap, WeakSet and their iterators",
        native: true,
        modules: [],
        props: { "": ["Map", "Set", "WeakMap", "WeakSet"] }
    },
    {
        /* native: in C (worker/js/builtins.c), the built-ins libraries touch
         * while they load (Babel's for-of helper reads [][@@iterator]): a
         * hono heap no longer loads es-builtins (735 KB). The file is
         * hand-written; their core-js modules stay in es-builtins, which
         * other modules of it need (a later load keeps or replaces these). */
        file: "es-natives",
        what: "Object.hasOwn/values/entries, Array.from, Array.prototype at/includes/flat/"
            + "flatMap and iterators, String.prototype at/@@iterator, Symbol.prototype.description",
        native: true,
        modules: [],
        props: {
            "Array": ["from"],
            "Array.prototype": ["includes", "flat", "flatMap", "entries", "keys", "values", "at",
                                "@@iterator"],
            "String.prototype": ["at", "@@iterator"],
            "Object": ["entries", "values", "hasOwn"],
            "Symbol.prototype": ["description"]
        }
    },
    {
        file: "es-builtins",
        what: "ES2015-ES2022 methods of Array, String, Object, Math, Symbol",
        modules: [
            "es.array.from", "es.array.of", "es.array.find", "es.array.find-index",
            "es.array.find-last", "es.array.find-last-index", "es.array.includes",
            "es.array.fill", "es.array.flat", "es.array.flat-map", "es.array.copy-within",
            "es.array.iterator", "es.array.at",
            "es.string.iterator", "es.string.pad-start", "es.string.pad-end",
            "es.string.trim-start", "es.string.trim-end", "es.string.at-alternative",
            "es.string.replace-all", "es.string.raw",
            "es.object.entries", "es.object.values", "es.object.from-entries",
            "es.object.get-own-property-descriptors", "es.object.has-own",
            "es.math.fround", "es.math.expm1", "es.math.log1p", "es.math.sinh", "es.math.cosh",
            "es.math.tanh", "es.math.asinh", "es.math.acosh", "es.math.atanh",
            "es.symbol.async-iterator"
        ],
        props: {
            "Array": ["of"],
            "Array.prototype": ["find", "findIndex", "findLast", "findLastIndex", "fill",
                                "copyWithin"],
            "String": ["raw"],
            "String.prototype": ["padStart", "padEnd", "trimStart", "trimEnd", "trimLeft",
                                 "trimRight", "replaceAll"],
            "Object": ["fromEntries", "getOwnPropertyDescriptors"],
            "Math": ["fround", "expm1", "log1p", "sinh", "cosh", "tanh", "asinh", "acosh",
                     "atanh"],
            "Symbol": ["asyncIterator"]
        }
    },
    {
        /* The methods live on the prototype all typed arrays share (Duktape
         * has one; reached as Uint8Array.prototype.__proto__), from/of on
         * core-js's TypedArray that becomes each constructor's prototype.
         * "~owner": no accessor per name (30 cost every heap 2.6 KB) but one
         * Proxy put between owner and Object.prototype (native.lazyInterpose)
         * that loads the file when a lookup misses on owner; the names are
         * documentation. */
        file: "es-typed",
        what: "ES2015-ES2023 typed array methods and iteration",
        modules: [
            "es.typed-array.at", "es.typed-array.copy-within", "es.typed-array.every",
            "es.typed-array.fill", "es.typed-array.filter", "es.typed-array.find",
            "es.typed-array.find-index", "es.typed-array.find-last",
            "es.typed-array.find-last-index", "es.typed-array.for-each", "es.typed-array.from",
            "es.typed-array.includes", "es.typed-array.index-of", "es.typed-array.iterator",
            "es.typed-array.join", "es.typed-array.last-index-of", "es.typed-array.map",
            "es.typed-array.of", "es.typed-array.reduce", "es.typed-array.reduce-right",
            "es.typed-array.reverse", "es.typed-array.slice", "es.typed-array.some",
            "es.typed-array.sort", "es.typed-array.to-locale-string",
            "es.typed-array.to-reversed", "es.typed-array.to-sorted",
            "es.typed-array.to-string", "es.typed-array.with"
        ],
        props: {
            "~Uint8Array.prototype.__proto__": [
                "at", "copyWithin", "every", "fill", "filter", "find", "findIndex", "findLast",
                "findLastIndex", "forEach", "includes", "indexOf", "join", "lastIndexOf", "map",
                "reduce", "reduceRight", "reverse", "slice", "some", "sort", "toLocaleString",
                "toReversed", "toSorted", "with", "entries", "keys", "values", "@@iterator",
                "toString"
            ],
            "Int8Array": ["from", "of"],
            "Uint8Array": ["from", "of"],
            "Uint8ClampedArray": ["from", "of"],
            "Int16Array": ["from", "of"],
            "Uint16Array": ["from", "of"],
            "Int32Array": ["from", "of"],
            "Uint32Array": ["from", "of"],
            "Float32Array": ["from", "of"],
            "Float64Array": ["from", "of"]
        }
    },
    {
        file: "es-modern",
        what: "ES2023-ES2024 methods: Array toSorted/toReversed/toSpliced/with, "
            + "Object.groupBy, String matchAll/isWellFormed/toWellFormed",
        modules: ["es.array.to-reversed", "es.array.to-sorted", "es.array.to-spliced",
                  "es.array.with", "es.object.group-by", "es.symbol.match-all",
                  "es.string.match-all", "es.string.is-well-formed",
                  "es.string.to-well-formed"],
        props: {
            "Array.prototype": ["toReversed", "toSorted", "toSpliced", "with"],
            "Object": ["groupBy"],
            "Symbol": ["matchAll"],
            "String.prototype": ["matchAll", "isWellFormed", "toWellFormed"]
        }
    }
];

/*
 * core-js asks whether WeakMap is native (internals/weak-map-basic-detection)
 * to keep its internal state: reading the WeakMap global would load
 * es-collections from inside es-builtins. Its fallback (a hidden property)
 * is what Duktape gets anyway, since a polyfilled WeakMap is not native.
 */
var noNativeWeakMap = {
    name: "no-native-weakmap",
    setup: function (build) {
        build.onLoad({ filter: /internals[\\/]weak-map-basic-detection\.js$/ }, function () {
            return { contents: "module.exports = false;", loader: "js" };
        });
        /* ...and reads globalThis.WeakMap there too, used only when native. */
        build.onLoad({ filter: /internals[\\/]internal-state\.js$/ }, function (args) {
            var src = fs.readFileSync(args.path, "utf8");
            if (src.indexOf("globalThis.WeakMap") === -1) {
                throw new Error("core-js internal-state.js changed: review gen-polyfills");
            }
            return { contents: src.replace("globalThis.WeakMap", "undefined"), loader: "js" };
        });
    }
};

function header(g) {
    return "/*\n * " + g.what + ": core-js " + COREJS + " (MIT, (c) Denis Pushkarev,\n"
        + " * https://github.com/zloirock/core-js), modules " + g.modules.join(", ") + ".\n"
        + " * Generated by scripts/gen-polyfills (tools/gen-polyfills.js): do not edit.\n"
        + " * Loaded on first touch of " + describe(g.props) + " (es-stubs.js).\n *\n"
        + provides(g.props) + " * installed-by: es-stubs\n */\n";
}

/* The `provides:` lines of scripts/gen-lazy's registry, one owner each and
 * at most ~90 columns: TARGET a path from global, ~ kept (es-stubs's Proxy). */
function provides(props) {
    var out = "", k, target, line, i;
    for (k in props) {
        target = k === "" ? "global" : k.charAt(0) === "~" ? "~global." + k.slice(1)
            : "global." + k;
        line = "";
        for (i = 0; i < props[k].length; i++) {
            if (line !== "" && line.length + props[k][i].length > 90) {
                out += line + "\n";
                line = "";
            }
            line += (line === "" ? " * provides: " + target + ":" : "") + " " + props[k][i];
        }
        out += line + "\n";
    }
    return out;
}

function describe(props) {
    var out = [], k;
    for (k in props) {
        out.push(props[k].map(function (n) {
            return (k === "" ? "" : k + ".") + n;
        }).join(", "));
    }
    return out.join(", ");
}

function bundleAsync(g) {
    var entry = g.modules.map(function (m) {
        return "require(\"core-js/modules/" + m + "\");";
    }).join("\n");
    return esbuild.build({
        stdin: { contents: entry, resolveDir: TOOLS, sourcefile: g.file + "-entry.js" },
        bundle: true,
        format: "iife",
        target: "es5",
        minify: true,
        legalComments: "none",
        charset: "ascii",
        plugins: [noNativeWeakMap],
        write: false,
        logLevel: "warning"
    }).then(function (r) {
        return r.outputFiles[0].text;
    });
}

/* The table as one string, "file|owner:name,name|owner:name;file|...", so a
 * heap holds no object per group or owner: es-stubs.js parses it when run
 * and keeps nothing. */
function table() {
    return GROUPS.map(function (g) {
        return [g.file].concat(Object.keys(g.props).map(function (owner) {
            return owner + ":" + g.props[owner].join(",");
        })).join("|");
    }).join(";");
}

function stubs() {
    return "/*\n"
        + " * ES2015+ built-ins on first touch: accessors standing for the properties\n"
        + " * of the table (" + GROUPS.map(function (g) { return g.file; }).join(", ")
        + "). bootstrap/00-core.js runs this once\n"
        + " * per heap to install them; the first read of any of them loads the\n"
        + " * group's lazy/FILE.js through lib.require, which first runs this again\n"
        + " * with unstub = FILE to remove the group's accessors (the built-ins are\n"
        + " * data properties, and core-js tests for them). A write before that\n"
        + " * defines an own property on the receiver, as for a data property. The\n"
        + " * accessors are native.lazyDefine's (one shared native getter and setter,\n"
        + " * no function object per property) and nothing else stays in the heap.\n"
        + " * Table: \"file|owner:name,name|owner:...;file|...\", owner a global path\n"
        + " * (\"\" the global object), @@name is Symbol.name. ~owner (its prototype\n"
        + " * Object.prototype): native.lazyInterpose's Proxy between the two instead\n"
        + " * of accessors; a lookup that misses on owner loads the file.\n"
        + " * Generated by scripts/gen-polyfills (tools/gen-polyfills.js): do not edit.\n"
        + " *\n"
        + " * provides: none\n"
        + " */\n"
        + "function (native, global, lib, unstub) {\n"
        + "    \"use strict\";\n"
        + "    var groups = " + JSON.stringify(table()) + ".split(\";\");\n"
        + "    var g, parts, file, p, owner, path, names, o, keys, i, k, d;\n"
        + "\n"
        + "    for (g = 0; g < groups.length; g++) {\n"
        + "        parts = groups[g].split(\"|\");\n"
        + "        file = parts[0];\n"
        + "        if (unstub !== undefined && unstub !== file) {\n"
        + "            continue;\n"
        + "        }\n"
        + "        for (p = 1; p < parts.length; p++) {\n"
        + "            owner = parts[p].split(\":\");\n"
        + "            o = global;\n"
        + "            path = owner[0] === \"\" ? [] : owner[0].substring(owner[0].charAt(0) === \"~\" ? 1 : 0).split(\".\");\n"
        + "            for (i = 0; i < path.length; i++) {\n"
        + "                o = o[path[i]];\n"
        + "            }\n"
        + "            if (owner[0].charAt(0) === \"~\") {\n"
        + "                if (unstub === undefined && Object.getPrototypeOf(o) === Object.prototype) {\n"
        + "                    native.lazyInterpose(o, file);\n"
        + "                } else if (unstub !== undefined) {\n"
        + "                    Object.setPrototypeOf(o, Object.prototype);\n"
        + "                }\n"
        + "                continue;\n"
        + "            }\n"
        + "            names = owner[1].split(\",\");\n"
        + "            keys = [];\n"
        + "            for (i = 0; i < names.length; i++) {\n"
        + "                k = names[i].charAt(0) === \"@\" ? Symbol[names[i].slice(2)] : names[i];\n"
        + "                if (k === undefined) {\n"
        + "                    continue;\n"
        + "                }\n"
        + "                if (unstub === undefined) {\n"
        + "                    if (!Object.prototype.hasOwnProperty.call(o, k)) {\n"
        + "                        keys.push(k);\n"
        + "                    }\n"
        + "                } else {\n"
        + "                    d = Object.getOwnPropertyDescriptor(o, k);\n"
        + "                    if (d !== undefined && d.get !== undefined) {\n"
        + "                        delete o[k];\n"
        + "                    }\n"
        + "                }\n"
        + "            }\n"
        + "            if (unstub === undefined) {\n"
        + "                native.lazyDefine(o, file, keys);\n"
        + "            }\n"
        + "        }\n"
        + "    }\n"
        + "}\n";
}

function main() {
    var done = GROUPS.filter(function (g) {
        return !g.native;
    }).map(function (g) {
        return bundleAsync(g).then(function (code) {
            var text = header(g) + "function (native, global, lib) {\n"
                + code.replace(/\n+$/, "") + "\n}\n";
            fs.writeFileSync(path.join(OUT, g.file + ".js"), text);
            console.log("gen-polyfills: " + g.file + ".js " + text.length + " bytes");
        });
    });
    Promise.all(done).then(function () {
        var s = stubs();
        fs.writeFileSync(path.join(OUT, "es-stubs.js"), s);
        console.log("gen-polyfills: es-stubs.js " + s.length + " bytes");
    }).catch(function (e) {
        console.error("gen-polyfills: " + (e && e.stack || e));
        process.exit(1);
    });
}

main();
