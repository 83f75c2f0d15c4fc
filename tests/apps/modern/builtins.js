/*
 * ES2015+ built-ins in a real heap (plain ES5: runs without a build step).
 * GET / -> {"passed": N, "failed": N, "failures": [...], "groups": {...}}.
 * A table per built-in; each row is [name, function returning got, want]
 * (compared with JSON.stringify, after mapping NaN and -0 to strings).
 */
function show(v) {
    if (typeof v === "number" && v !== v) { return "NaN"; }
    if (v === 0 && 1 / v < 0) { return "-0"; }
    if (v instanceof Array) { return v.map(show); }
    return v;
}
function iter(it) {
    var out = [], s;
    while (!(s = it.next()).done) { out.push(s.value); }
    return out;
}
var TABLES = {
    Map: [
        ["size", function () { return new Map([[1, "a"], [2, "b"], [1, "c"]]).size; }, 2],
        ["NaN key", function () { var m = new Map(); m.set(NaN, 1); return m.get(NaN); }, 1],
        ["-0 is +0", function () { var m = new Map([[-0, "z"]]); return [m.get(0), show(m.keys().next().value)]; }, ["z", 0]],
        ["insertion order", function () { var m = new Map([["b", 1], ["a", 2]]); m.delete("b"); m.set("b", 3); return iter(m.keys()); }, ["a", "b"]],
        ["object keys", function () { var k = {}, m = new Map([[k, 1]]); return [m.has(k), m.has({})]; }, [true, false]],
        ["@@iterator", function () { return iter(new Map([[1, 2]])[Symbol.iterator]()); }, [[1, 2]]],
        ["forEach", function () { var o = []; new Map([[1, 2]]).forEach(function (v, k) { o.push(k, v); }); return o; }, [1, 2]],
        ["set chains", function () { return new Map().set(1, 2).get(1); }, 2],
        ["delete/clear", function () { var m = new Map([[1, 1]]); var d = m.delete(1); m.set(2, 2); m.clear(); return [d, m.size]; }, [true, 0]],
        ["toStringTag", function () { return Object.prototype.toString.call(new Map()); }, "[object Map]"],
        ["needs new", function () { try { Map(); return "no throw"; } catch (e) { return e instanceof TypeError; } }, true]
    ],
    Set: [
        ["dedupe", function () { return iter(new Set([1, 1, "1", NaN, NaN]).values()).map(show); }, [1, "1", "NaN"]],
        ["-0", function () { return new Set([-0, 0]).size; }, 1],
        ["entries", function () { return iter(new Set(["a"]).entries()); }, [["a", "a"]]],
        ["from string", function () { return new Set("abca").size; }, 3],
        ["has/delete", function () { var s = new Set([1]); return [s.has(1), s.delete(1), s.has(1)]; }, [true, true, false]]
    ],
    WeakMap: [
        ["get/set", function () { var k = {}, w = new WeakMap([[k, 1]]); return [w.get(k), w.has({})]; }, [1, false]],
        ["primitive key", function () { try { new WeakMap().set(1, 1); return "no throw"; } catch (e) { return e instanceof TypeError; } }, true],
        ["frozen key", function () { var k = Object.freeze({}), w = new WeakMap(); w.set(k, 2); return w.get(k); }, 2]
    ],
    WeakSet: [
        ["add/has", function () { var k = {}, w = new WeakSet([k]); return [w.has(k), w.has({})]; }, [true, false]]
    ],
    "Array.from/of": [
        ["iterable", function () { return Array.from(new Set([1, 2])); }, [1, 2]],
        ["array-like", function () { return Array.from({ length: 2, 0: "a", 1: "b" }); }, ["a", "b"]],
        ["mapFn", function () { return Array.from({ length: 3 }, function (_, i) { return i * i; }); }, [0, 1, 4]],
        ["string (code points)", function () { return Array.from("a\ud83d\ude00").length; }, 2],
        ["map iterable", function () { return Array.from(new Map([[1, 2]])); }, [[1, 2]]],
        ["of", function () { return Array.of(7, 8); }, [7, 8]],
        ["of one", function () { return Array.of(3).length; }, 1]
    ],
    "Array.prototype": [
        ["find", function () { return [1, 2, 3].find(function (x) { return x > 1; }); }, 2],
        ["findIndex", function () { return [1, 2, 3].findIndex(function (x) { return x > 5; }); }, -1],
        ["includes NaN", function () { return [1, NaN].includes(NaN); }, true],
        ["includes -0", function () { return [-0].includes(0); }, true],
        ["indexOf NaN (ES5)", function () { return [NaN].indexOf(NaN); }, -1],
        ["fill", function () { return [1, 2, 3, 4].fill(0, 1, 3); }, [1, 0, 0, 4]],
        ["flat", function () { return [1, [2, [3, [4]]]].flat(); }, [1, 2, [3, [4]]]],
        ["flat Infinity", function () { return [1, [2, [3, [4]]]].flat(Infinity); }, [1, 2, 3, 4]],
        ["flatMap", function () { return [1, 2].flatMap(function (x) { return [x, x * 2]; }); }, [1, 2, 2, 4]],
        ["entries", function () { return iter(["a", "b"].entries()); }, [[0, "a"], [1, "b"]]],
        ["keys sparse", function () { return iter([, 1].keys()); }, [0, 1]],
        ["values", function () { return iter([5].values()); }, [5]],
        ["@@iterator is values", function () { return [][Symbol.iterator] === [].values; }, true],
        ["at", function () { return [1, 2, 3].at(-1); }, 3],
        ["own assign before load", function () { var a = [1]; a.find = 5; return [a.find, Object.keys(a)]; }, [5, ["0", "find"]]]
    ],
    "Object": [
        ["assign", function () { return Object.assign({ a: 1 }, null, { b: 2 }); }, { a: 1, b: 2 }],
        ["entries", function () { return Object.entries({ a: 1, b: [2] }); }, [["a", 1], ["b", [2]]]],
        ["values", function () { return Object.values({ x: "y" }); }, ["y"]],
        ["fromEntries map", function () { return Object.fromEntries(new Map([["k", 1]])); }, { k: 1 }],
        ["fromEntries array", function () { return Object.fromEntries([["a", 1], ["a", 2]]); }, { a: 2 }],
        ["hasOwn", function () { return [Object.hasOwn({ a: 1 }, "a"), Object.hasOwn({}, "toString")]; }, [true, false]],
        ["is", function () { return [Object.is(NaN, NaN), Object.is(0, -0)]; }, [true, false]]
    ],
    "String.prototype": [
        ["includes", function () { return "abc".includes("bc"); }, true],
        ["startsWith/endsWith", function () { return ["abc".startsWith("b", 1), "abc".endsWith("b", 2)]; }, [true, true]],
        ["repeat", function () { return "ab".repeat(3); }, "ababab"],
        ["padStart", function () { return ["5".padStart(3, "0"), "abc".padStart(2), "x".padStart(4, "ab")]; }, ["005", "abc", "abax"]],
        ["padEnd", function () { return "5".padEnd(3, "-"); }, "5--"],
        ["trimStart/End", function () { return ["[" + " a ".trimStart() + "]", "[" + " a ".trimEnd() + "]"]; }, ["[a ]", "[ a]"]],
        ["replaceAll", function () { return "a.b.c".replaceAll(".", "/"); }, "a/b/c"],
        ["@@iterator code points", function () { return iter("a\ud83d\ude00"[Symbol.iterator]()).length; }, 2],
        ["at", function () { return "abc".at(-1); }, "c"]
    ],
    "Number": [
        ["isInteger", function () { return [Number.isInteger(5), Number.isInteger(5.5), Number.isInteger("5")]; }, [true, false, false]],
        ["isFinite", function () { return [Number.isFinite(1), Number.isFinite("1"), Number.isFinite(Infinity)]; }, [true, false, false]],
        ["isNaN", function () { return [Number.isNaN(NaN), Number.isNaN("x")]; }, [true, false]],
        ["EPSILON", function () { return Number.EPSILON === Math.pow(2, -52); }, true],
        ["isSafeInteger", function () { return Number.isSafeInteger(Math.pow(2, 53)); }, false]
    ],
    "Math": [
        ["trunc/sign", function () { return [Math.trunc(-4.7), Math.sign(-3)]; }, [-4, -1]],
        ["cbrt/log2/log10", function () { return [Math.round(Math.cbrt(27) * 1e9) / 1e9, Math.log2(8), Math.log10(1000)]; }, [3, 3, 3]],
        ["hypot", function () { return Math.hypot(3, 4); }, 5],
        ["fround", function () { return Math.fround(5.5); }, 5.5],
        ["clz32/imul", function () { return [Math.clz32(1), Math.imul(3, 4)]; }, [31, 12]],
        ["sinh/cosh/tanh", function () { return [Math.sinh(0), Math.cosh(0), Math.tanh(0)]; }, [0, 1, 0]],
        ["expm1/log1p", function () { return [Math.expm1(0), Math.log1p(0)]; }, [0, 0]]
    ],
    "iteration": [
        ["Headers", function () { var o = []; var it = new Headers({ b: "2", a: "1" })[Symbol.iterator](); return iter(it); }, [["a", "1"], ["b", "2"]]],
        ["URLSearchParams", function () { return iter(new URLSearchParams("x=1&y=2")[Symbol.iterator]()); }, [["x", "1"], ["y", "2"]]],
        ["FormData", function () { var f = new FormData(); f.append("k", "v"); return iter(f[Symbol.iterator]()); }, [["k", "v"]]],
        ["Symbol.asyncIterator", function () { return typeof Symbol.asyncIterator; }, "symbol"]
    ]
};

function run() {
    var res = { passed: 0, failed: 0, failures: [], groups: {} }, g, i, row, got, want;
    for (g in TABLES) {
        res.groups[g] = TABLES[g].length;
        for (i = 0; i < TABLES[g].length; i++) {
            row = TABLES[g][i];
            try {
                got = JSON.stringify(show(row[1]()));
            } catch (e) {
                got = "threw " + e;
            }
            want = JSON.stringify(show(row[2]));
            if (got === want) {
                res.passed++;
            } else {
                res.failed++;
                res.failures.push(g + " " + row[0] + ": got " + got + ", want " + want);
            }
        }
    }
    return res;
}

module.exports = {
    fetch: function () {
        return new Response(JSON.stringify(run()), { headers: { "content-type": "application/json" } });
    }
};
