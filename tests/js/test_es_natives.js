/* The built-ins of worker/js/builtins.c (the es-natives group): Object.hasOwn/
 * values/entries, Array.prototype at/includes/flat/flatMap and its iterators,
 * String.prototype at/@@iterator: spec corners, in a real app heap. Values
 * are the ones Node 20 gives. */
(function () {
    var eq = T.eq;
    function throwsType(name, fn) {
        try {
            fn();
            T.fail(name, "no exception");
        } catch (e) {
            T.check(name, e instanceof TypeError, true);
        }
    }
    function drain(it) {
        var out = [], r;
        while (!(r = it.next()).done) {
            out.push(r.value);
        }
        return out;
    }
    function stubbed(o, k) {
        var d = Object.getOwnPropertyDescriptor(o, k);
        return d !== undefined && d.get !== undefined;
    }

    /* That touching these leaves core-js's es-builtins (735 KB) unloaded is
     * checked in a heap of its own (runner.c, check_natives_skip_builtins). */
    eq("Object.hasOwn loads es-natives", typeof Object.hasOwn, "function");
    eq("data properties, not enumerable",
       [stubbed(Object, "hasOwn"), Object.keys(Array.prototype).length,
        Object.getOwnPropertyDescriptor(Array.prototype, "at").writable,
        Object.getOwnPropertyDescriptor(Array.prototype, "at").enumerable],
       [false, 0, true, false]);
    eq("names and lengths",
       [Object.hasOwn.name, Object.hasOwn.length, Object.values.length, Object.entries.name,
        [].at.length, [].includes.length, [].flat.length, [].flatMap.length, [].keys.name,
        "".at.length],
       ["hasOwn", 2, 1, "entries", 1, 1, 0, 1, "keys", 1]);

    /* --- Object.hasOwn --- */
    var proto = { inherited: 1 }, o = Object.create(proto);
    o.own = undefined;
    eq("hasOwn own/inherited/missing",
       [Object.hasOwn(o, "own"), Object.hasOwn(o, "inherited"), Object.hasOwn(o, "nope")],
       [true, false, false]);
    eq("hasOwn coerces the key", [Object.hasOwn([5], 0), Object.hasOwn({ 1: 2 }, 1),
                                  Object.hasOwn({ "[object Object]": 1 }, {})], [true, true, true]);
    var sym = Symbol("s"), so = {};
    so[sym] = 1;
    eq("hasOwn symbol key, non-enumerable, primitive",
       [Object.hasOwn(so, sym), Object.hasOwn(Array.prototype, "length"), Object.hasOwn("ab", 1),
        Object.hasOwn("ab", "length"), Object.hasOwn(5, "x")],
       [true, true, true, true, false]);
    throwsType("hasOwn(null)", function () { Object.hasOwn(null, "x"); });
    throwsType("hasOwn(undefined)", function () { Object.hasOwn(undefined, "x"); });
    var order = [];
    try {
        Object.hasOwn(null, { toString: function () { order.push("key"); return "k"; } });
    } catch (e) {
        order.push(e instanceof TypeError);
    }
    eq("hasOwn: ToObject before ToPropertyKey", order, [true]);

    /* --- Object.values / entries --- */
    eq("values/entries order", [Object.values({ b: 1, a: 2, 1: 3 }),
                                Object.entries({ x: [1], y: "z" })],
       [[3, 1, 2], [["x", [1]], ["y", "z"]]]);
    eq("values of a string and an array", [Object.values("ab"), Object.entries([7, , 9])],
       [["a", "b"], [["0", 7], ["2", 9]]]);
    eq("values skip inherited and non-enumerable",
       Object.values(Object.defineProperty(Object.create({ p: 1 }), "h", { value: 2 })), []);
    var g = {};
    Object.defineProperty(g, "a", {
        enumerable: true,
        get: function () { delete this.b; return 1; }
    });
    g.b = 2;
    g.c = 3;
    eq("a getter deleting a later key", Object.entries(g), [["a", 1], ["c", 3]]);
    eq("values of primitives", [Object.values(5), Object.values(true)], [[], []]);
    throwsType("values(null)", function () { Object.values(null); });
    throwsType("entries(undefined)", function () { Object.entries(undefined); });

    /* --- Array.prototype.at --- */
    var a = [1, 2, 3];
    eq("at", [a.at(0), a.at(-1), a.at(-3), a.at(3), a.at(-4), a.at(1.9), a.at(-0.5), a.at("1"),
              a.at(NaN), a.at(Infinity), a.at(-Infinity)],
       [1, 3, 1, undefined, undefined, 2, 1, 2, 1, undefined, undefined]);
    eq("at on array-likes", [Array.prototype.at.call({ length: 2, 0: "a", 1: "b" }, -1),
                             Array.prototype.at.call({ length: -5, 0: 1 }, 0),
                             Array.prototype.at.call("xyz", -1),
                             Array.prototype.at.call({ length: "2", 1: "q" }, 1)],
       ["b", undefined, "z", "q"]);
    var reads = 0, getters = {};
    Object.defineProperty(getters, "length", { get: function () { reads++; return 1; } });
    Object.defineProperty(getters, "0", { get: function () { return "g"; } });
    eq("at runs getters, reads length once", [Array.prototype.at.call(getters, 0), reads],
       ["g", 1]);
    eq("at of a hole", [[, 1].at(0)], [undefined]);
    throwsType("at on null", function () { Array.prototype.at.call(null, 0); });

    /* --- Array.prototype.includes --- */
    eq("includes", [[1, 2, 3].includes(2), [1, 2, 3].includes(4), [NaN].includes(NaN),
                    [-0].includes(0), [0].includes(-0), ["1"].includes(1),
                    [, 1].includes(undefined),
                    [1, 2, 3].includes(1, 1), [1, 2, 3].includes(3, -1), [1, 2, 3].includes(1, -10),
                    [1].includes(1, Infinity), [1].includes(1, -Infinity), [].includes(undefined)],
       [true, false, true, true, true, false, true, false, true, true, false, true, false]);
    eq("includes on array-likes", [Array.prototype.includes.call({ length: 1, 0: NaN }, NaN),
                                   Array.prototype.includes.call("abc", "b"),
                                   Array.prototype.includes.call({ length: 3 }, undefined)],
       [true, true, true]);
    var objKey = {};
    eq("includes objects by identity", [[objKey].includes(objKey), [{}].includes({})],
       [true, false]);
    throwsType("includes on undefined", function () {
        Array.prototype.includes.call(undefined, 1);
    });

    /* --- flat / flatMap --- */
    eq("flat", [[1, [2, [3, [4]]]].flat(), [1, [2, [3, [4]]]].flat(2),
                [1, [2, [3, [4]]]].flat(Infinity), [1, [2]].flat(0), [1, [2]].flat(-1),
                [1, [2, [3]]].flat("1"), [1, , [2, , 3]].flat()],
       [[1, 2, [3, [4]]], [1, 2, 3, [4]], [1, 2, 3, 4], [1, [2]], [1, [2]], [1, 2, [3]],
        [1, 2, 3]]);
    eq("flat keeps array-likes whole", [[{ length: 1, 0: "x" }].flat().length, ["ab"].flat()],
       [1, ["ab"]]);
    eq("flat on an array-like", Array.prototype.flat.call({ length: 2, 0: [1, 2], 1: 3 }),
       [1, 2, 3]);
    var cyc = [1];
    cyc.push(cyc);
    try {
        cyc.flat(Infinity);
        T.fail("flat(Infinity) of a cyclic array", "no exception");
    } catch (e) {
        T.check("flat(Infinity) of a cyclic array", e instanceof RangeError, true);
    }
    eq("flatMap", [[1, 2].flatMap(function (x) { return [x, x * 2]; }),
                   [1, 2].flatMap(function (x) { return [[x]]; }),
                   ["a b", "c"].flatMap(function (s) { return s.split(" "); }),
                   [1].flatMap(function () { return this.v; }, { v: 7 })],
       [[1, 2, 2, 4], [[1], [2]], ["a", "b", "c"], [7]]);
    var args = [];
    [5, , 6].flatMap(function (v, i, arr) { args.push([v, i, arr.length]); return v; });
    eq("flatMap skips holes, passes (v, i, O)", args, [[5, 0, 3], [6, 2, 3]]);
    throwsType("flatMap without a function", function () { [1].flatMap(); });
    throwsType("flatMap with an object", function () { [1].flatMap({}); });
    function Sub() {}
    var sp = [1, [2]];
    sp.constructor = {};
    sp.constructor[Symbol.species] = function (n) { this.made = n; };
    var made = sp.flat();
    eq("flat uses Symbol.species", [made.made, made[0], made[1]], [0, 1, 2]);
    sp.constructor = undefined;
    eq("flat: constructor undefined gives an Array", Array.isArray(sp.flat()), true);
    sp.constructor = Sub;
    throwsType("flat: a non-object constructor's species", function () {
        sp.constructor = 5;
        sp.flat();
    });

    /* --- Array iterators --- */
    eq("keys/values/entries", [drain([7, 8].keys()), drain([7, 8].values()),
                               drain([7, , 9].entries())],
       [[0, 1], [7, 8], [[0, 7], [1, undefined], [2, 9]]]);
    eq("@@iterator is values", Array.prototype[Symbol.iterator] === Array.prototype.values, true);
    var live = [1], it = live.values(), seen = [];
    seen.push(it.next().value);
    live.push(2);
    seen.push(it.next().value);
    seen.push(it.next().done);
    live.push(3);
    seen.push(it.next().done);
    eq("live: sees pushes, done stays done", seen, [1, 2, true, true]);
    eq("iterator result shape", [1].values().next(), { value: 1, done: false });
    eq("done result", [].values().next(), { done: true });
    var ai = [].values();
    eq("iterator protocol", [ai[Symbol.iterator]() === ai, Object.prototype.toString.call(ai),
                             Object.getPrototypeOf([].keys()) === Object.getPrototypeOf(ai)],
       [true, "[object Array Iterator]", true]);
    eq("array-like and typed array iterators",
       [drain(Array.prototype.values.call({ length: 2, 0: "a", 1: "b" })),
        drain(Array.prototype.values.call(new Uint8Array([4, 5]))),
        drain(Array.prototype.keys.call("ab"))],
       [["a", "b"], [4, 5], [0, 1]]);
    throwsType("next on a foreign object", function () { ai.next.call({}); });
    throwsType("values on null", function () { Array.prototype.values.call(null); });
    var forOf = [];
    var fit = [3, 4][Symbol.iterator](), step;
    while (!(step = fit.next()).done) {
        forOf.push(step.value);
    }
    eq("for-of protocol by hand", forOf, [3, 4]);

    /* --- String.prototype.at / @@iterator --- */
    eq("string at", ["abc".at(0), "abc".at(-1), "abc".at(3), "abc".at(-4), "\ud83d\ude00".at(0),
                     String.prototype.at.call(123, -1), "".at(0)],
       ["a", "c", undefined, undefined, "\ud83d", "3", undefined]);
    throwsType("string at on null", function () { String.prototype.at.call(null, 0); });
    eq("string iterator by code points",
       [drain("a\ud83d\ude00b"[Symbol.iterator]()), drain("\ud83d"[Symbol.iterator]()),
        drain("\ude00\ud83d"[Symbol.iterator]()), drain(""[Symbol.iterator]())],
       [["a", "\ud83d\ude00", "b"], ["\ud83d"], ["\ude00", "\ud83d"], []]);
    var si = "x"[Symbol.iterator]();
    eq("string iterator protocol", [Object.prototype.toString.call(si),
                                    si[Symbol.iterator]() === si,
                                    String.prototype[Symbol.iterator].call(12).next().value],
       ["[object String Iterator]", true, "1"]);
    throwsType("string next on an array iterator", function () { si.next.call([].values()); });
    throwsType("string iterator on undefined", function () {
        String.prototype[Symbol.iterator].call(undefined);
    });

    /* --- Array.from --- */
    eq("from iterables", [Array.from([1, 2].values()), Array.from("a\ud83d\ude00"),
                          Array.from(new Set([1, 1, 2])), Array.from(new Map([[1, 2]])),
                          Array.from([, 1])],
       [[1, 2], ["a", "\ud83d\ude00"], [1, 2], [[1, 2]], [undefined, 1]]);
    eq("from array-likes", [Array.from({ length: 2, 0: "x" }), Array.from({ length: -1 }),
                            Array.from(5), Array.from({ length: "2", 1: 1 })],
       [["x", undefined], [], [], [undefined, 1]]);
    eq("from with a mapper and thisArg",
       [Array.from([1, 2], function (v, i) { return v * 10 + i + this.d; }, { d: 100 }),
        Array.from({ length: 2 }, function (v, i) { return i; })], [[110, 121], [0, 1]]);
    throwsType("from(null)", function () { Array.from(null); });
    throwsType("from with a non-callable mapper", function () { Array.from([], {}); });
    throwsType("from with a non-callable @@iterator", function () {
        var x = {};
        x[Symbol.iterator] = 1;
        Array.from(x);
    });
    var closed = 0, src = {}, n2 = 0;
    src[Symbol.iterator] = function () {
        return {
            next: function () { n2++; return { value: n2, done: n2 > 5 }; },
            "return": function () { closed++; return {}; }
        };
    };
    try {
        Array.from(src, function (v) { if (v === 2) { throw new RangeError("m"); } return v; });
        T.fail("from: a throwing mapper", "no exception");
    } catch (e) {
        T.check("from: a throwing mapper's error, the iterator closed",
                [e instanceof RangeError, closed, n2].join(), "true,1,2");
    }
    n2 = 0;
    eq("from an iterable, no close when it ends", [Array.from(src), closed], [[1, 2, 3, 4, 5], 1]);
    function Ctor(len) { this.args = arguments.length; this.len = len; }
    var fromC = Array.from.call(Ctor, [7, 8]), fromL = Array.from.call(Ctor, { length: 1, 0: 9 });
    eq("from with a constructor as this",
       [fromC instanceof Ctor, fromC.args, fromC.length, fromC[1], fromL.len, fromL[0]],
       [true, 0, 2, 8, 1, 9]);
    eq("from with a non-constructor this", Array.isArray(Array.from.call({}, [1])), true);

    /* core-js's es-builtins, loaded later, keeps these and works beside them */
    var kept = [[].values, Object.hasOwn, Array.from, ""[Symbol.iterator]];
    [].find(function () { return false; });
    eq("es-builtins keeps the natives", [[].values === kept[0], Object.hasOwn === kept[1],
                                         Array.from === kept[2], ""[Symbol.iterator] === kept[3],
                                         [][Symbol.iterator] === kept[0]],
       [true, true, true, true, true]);
    eq("es-builtins loads after", [[1, 2, 3].find(function (x) { return x > 1; }),
                                   Array.of(1, 2), "ab".padStart(4, "-"),
                                   Object.fromEntries([["a", 1]])],
       [2, [1, 2], "--ab", { a: 1 }]);
    eq("and the natives still answer", [[1, [2]].flat(), Object.hasOwn({ a: 1 }, "a"), [5].at(-1),
                                        drain([1].entries())], [[1, 2], true, 5, [[0, 1]]]);
})();
