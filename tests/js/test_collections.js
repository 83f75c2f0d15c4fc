/* Map, Set, WeakMap, WeakSet (worker/js/collections.c): every semantic
 * corner ES2015+ defines and libraries rely on, in a real app heap. */
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
    function keysOf(m) {
        return drain(m.keys());
    }

    /* --- globals, shapes --- */
    eq("typeof the four", [typeof Map, typeof Set, typeof WeakMap, typeof WeakSet],
       ["function", "function", "function", "function"]);
    eq("names and lengths", [Map.name, Set.name, WeakMap.name, WeakSet.name, Map.length,
                             Map.prototype.set.length, Map.prototype.get.name],
       ["Map", "Set", "WeakMap", "WeakSet", 0, 2, "get"]);
    eq("toStringTag", [String(new Map()), Object.prototype.toString.call(new Set()),
                       String(new WeakMap()), String(new WeakSet()),
                       Object.prototype.toString.call(new Map().entries()),
                       Object.prototype.toString.call(new Set().values())],
       ["[object Map]", "[object Set]", "[object WeakMap]", "[object WeakSet]",
        "[object Map Iterator]", "[object Set Iterator]"]);
    eq("globals are not enumerable", Object.keys(this).indexOf("Map"), -1);
    eq("methods are not enumerable", Object.keys(Map.prototype), []);
    eq("Map.prototype[@@iterator] is entries",
       Map.prototype[Symbol.iterator] === Map.prototype.entries, true);
    eq("Set keys === values === @@iterator",
       [Set.prototype.keys === Set.prototype.values,
        Set.prototype[Symbol.iterator] === Set.prototype.values], [true, true]);
    eq("constructor links", [Map.prototype.constructor === Map, new Map() instanceof Map,
                             Object.getPrototypeOf(new Set()) === Set.prototype], [true, true, true]);
    throwsType("Map() without new", function () { Map(); });
    throwsType("WeakSet() without new", function () { WeakSet(); });
    throwsType("Map method on a plain object", function () { Map.prototype.get.call({}, 1); });
    throwsType("Map method on a Set", function () { Map.prototype.get.call(new Set(), 1); });
    throwsType("Set method on a Map", function () { Set.prototype.add.call(new Map(), 1); });
    throwsType("size getter on Map.prototype",
               function () { return Map.prototype.size; });
    throwsType("Map method on an object inheriting from a Map",
               function () { Map.prototype.get.call(Object.create(new Map([[1, 2]])), 1); });
    throwsType("WeakMap method on a WeakSet",
               function () { WeakMap.prototype.get.call(new WeakSet(), {}); });

    /* --- keys: SameValueZero --- */
    var m = new Map();
    m.set(NaN, "nan");
    eq("NaN finds NaN", [m.get(NaN), m.get(0 / 0), m.has(Number("x"))], ["nan", "nan", true]);
    m.set(-0, "zero");
    eq("-0 and +0 are one key", [m.get(0), m.get(-0), m.size], ["zero", "zero", 2]);
    eq("-0 is stored as +0", 1 / keysOf(m)[1], Infinity);
    m.set(0, "zero2");
    eq("+0 updates the -0 entry", [m.size, m.get(-0)], [2, "zero2"]);
    m.set("1", "s");
    m.set(1, "n");
    m.set(1.5, "f");
    m.set(true, "t");
    m.set("true", "st");
    m.set(null, "null");
    m.set(undefined, "undef");
    eq("1 and \"1\" differ, true and \"true\" differ",
       [m.get(1), m.get("1"), m.get(1.5), m.get(true), m.get("true")], ["n", "s", "f", "t", "st"]);
    eq("null and undefined keys", [m.get(null), m.get(undefined), m.has(void 0)],
       ["null", "undef", true]);
    eq("missing key reads undefined", [m.get("nope"), m.has(false)], [undefined, false]);
    var big = "";
    for (var i = 0; i < 100; i++) {
        big += "x";
    }
    m.set(big, "big");
    eq("strings by content", m.get(new Array(101).join("x")), "big");
    var o1 = {}, o2 = {};
    m.set(o1, "o1");
    eq("objects by identity", [m.get(o1), m.get(o2), m.get({})], ["o1", undefined, undefined]);
    var sym = Symbol("s"), sym2 = Symbol("s");
    m.set(sym, "sym");
    eq("symbols by identity", [m.get(sym), m.has(sym2)], ["sym", false]);
    m.set(Math.max, "max");
    m.set(Math.min, "min");
    eq("built-in functions (lightfuncs) as keys", [m.get(Math.max), m.get(Math.min),
                                                   m.has(Math.abs)], ["max", "min", false]);
    m.set(2 ** 53, "2^53");
    m.set(5, "five");
    eq("integers and doubles", [m.get(9007199254740992), m.get(2 + 3), m.get(5.0)],
       ["2^53", "five", "five"]);
    eq("set returns the map, delete a boolean", [m.set(7, 7) === m, m.delete(7), m.delete(7)],
       [true, true, false]);

    /* --- insertion order, updates keep the place, delete + re-add goes last --- */
    var om = new Map([["a", 1], ["b", 2], ["c", 3]]);
    om.set("a", 10);
    eq("update keeps the order", drain(om.entries()), [["a", 10], ["b", 2], ["c", 3]]);
    om.delete("a");
    om.set("a", 11);
    eq("re-added goes last", keysOf(om), ["b", "c", "a"]);
    eq("values()", drain(om.values()), [2, 3, 11]);
    eq("size", om.size, 3);
    om.clear();
    eq("clear", [om.size, keysOf(om), om.get("b")], [0, [], undefined]);

    /* --- growth and holes: many inserts and deletes keep the order --- */
    var g = new Map(), want = [];
    for (i = 0; i < 2000; i++) {
        g.set("k" + i, i);
    }
    for (i = 0; i < 2000; i++) {
        if (i % 3 !== 0) {
            g.delete("k" + i);
        }
    }
    for (i = 0; i < 2000; i += 3) {
        want.push(i);
    }
    for (i = 2000; i < 2600; i++) {
        g.set("k" + i, i);
        want.push(i);
    }
    eq("2000 inserts, 2/3 deleted, 600 more: size", g.size, want.length);
    eq("order after compactions", drain(g.values()).join(","), want.join(","));
    eq("lookups after compactions", [g.get("k3"), g.get("k4"), g.get("k2599"), g.has("k2")],
       [3, undefined, 2599, false]);
    var churn = new Map();
    for (i = 0; i < 10000; i++) {
        churn.set(i, i);
        churn.delete(i - 2);
    }
    eq("churn: size and content", [churn.size, keysOf(churn)], [2, [9998, 9999]]);

    /* --- iteration survives changes --- */
    var it = new Map([[1, "a"], [2, "b"], [3, "c"]]);
    var seen = [];
    it.forEach(function (v, k, map) {
        seen.push(k);
        if (k === 1) {
            map.delete(2);      /* not visited */
            map.set(4, "d");    /* visited */
        }
    });
    eq("forEach: deleted skipped, added visited", seen, [1, 3, 4]);
    var fe = [];
    new Map([[1, 2]]).forEach(function (v, k, map) {
        fe.push([v, k, map instanceof Map, this.t]);
    }, { t: "this" });
    eq("forEach arguments and thisArg", fe, [[2, 1, true, "this"]]);
    var sf = [];
    new Set(["x"]).forEach(function (v, k, set) {
        sf.push([v, k, set instanceof Set]);
    });
    eq("Set forEach (value, value, set)", sf, [["x", "x", true]]);
    throwsType("forEach without a function", function () { new Map().forEach(5); });

    var live = new Map([[1, 1], [2, 2], [3, 3]]);
    var li = live.keys();
    eq("live iterator: first", li.next().value, 1);
    live.delete(2);
    live.set(5, 5);
    eq("live iterator: deleted skipped, added seen", drain(li), [3, 5]);
    live.set(6, 6);
    eq("exhausted iterator stays done", li.next(), { done: true });

    /* Deletes that force a compaction while an iterator is parked. */
    var cm = new Map();
    for (i = 0; i < 64; i++) {
        cm.set(i, i);
    }
    var ci = cm.keys();
    for (i = 0; i < 10; i++) {
        ci.next();
    }
    for (i = 0; i < 60; i++) {
        cm.delete(i);
    }
    for (i = 100; i < 200; i++) {
        cm.set(i, i);       /* grows and compacts several times */
    }
    var rest = drain(ci);
    eq("compaction under a parked iterator: nothing twice, nothing lost",
       [rest.slice(0, 4), rest.length, rest[rest.length - 1]], [[60, 61, 62, 63], 104, 199]);

    var clr = new Map([[1, 1], [2, 2], [3, 3]]);
    var cli = clr.entries();
    cli.next();
    clr.clear();
    clr.set(9, 9);
    eq("clear under an iterator: continues with what is added", drain(cli), [[9, 9]]);

    var selfgrow = new Set([0]), n = 0;
    selfgrow.forEach(function (v) {
        if (v < 100) {
            selfgrow.add(v + 1);
        }
        n++;
    });
    eq("Set forEach visits what it adds (101 values)", [n, selfgrow.size], [101, 101]);

    var sd = new Set([1, 2, 3, 4]), sv = [];
    sd.forEach(function (v) {
        sv.push(v);
        sd.delete(v);
        if (v === 4) {
            sd.add(1);      /* re-added after its delete: visited again, at the end */
        }
    });
    eq("deleting the current entry, re-adding an old one", sv, [1, 2, 3, 4, 1]);

    /* --- iterators --- */
    var mi = new Map([["k", "v"]])[Symbol.iterator]();
    eq("iterator is iterable (returns itself)", mi[Symbol.iterator]() === mi, true);
    eq("iterator result shape", mi.next(), { value: ["k", "v"], done: false });
    eq("then done", mi.next(), { done: true });
    throwsType("next on a foreign object", function () { mi.next.call({}); });
    eq("Set entries are [v, v]", drain(new Set(["a"]).entries()), [["a", "a"]]);

    /* --- constructors from iterables --- */
    eq("new Map(array of pairs)", drain(new Map([[1, "a"], [2, "b"]]).entries()),
       [[1, "a"], [2, "b"]]);
    eq("new Set(array) dedups", drain(new Set([1, 1, 2, NaN, NaN, 0, -0]).values()),
       [1, 2, NaN, 0]);
    eq("new Map(map)", drain(new Map(new Map([[1, 2]])).entries()), [[1, 2]]);
    eq("new Set(set.values())", drain(new Set(new Set([3, 4]).values()).values()), [3, 4]);
    eq("new Set(string)", drain(new Set("abca").values()), ["a", "b", "c"]);
    eq("new Map(null/undefined)", [new Map(null).size, new Map(undefined).size], [0, 0]);
    var custom = {};
    custom[Symbol.iterator] = function () {
        var i = 0;
        return { next: function () { i++; return i > 3 ? { done: true } : { value: [i, i * i] }; } };
    };
    eq("new Map(custom iterable)", drain(new Map(custom).entries()), [[1, 1], [2, 4], [3, 9]]);
    throwsType("new Map(non-iterable)", function () { return new Map(5); });
    throwsType("new Map([1]): entry not an object", function () { return new Map([1]); });
    var closed = 0, closer = {};
    closer[Symbol.iterator] = function () {
        return {
            next: function () { return { value: 1, done: false }; },
            "return": function () { closed++; return {}; }
        };
    };
    throwsType("new Map(iterable of non-objects) throws", function () { return new Map(closer); });
    eq("...and closes the iterator (return())", closed, 1);
    /* The constructor adds through this.add / this.set as found at the time
     * (spec: a subclass's override is used); Babel's subclass of a native
     * (no Reflect.construct with newTarget in Duktape) re-prototypes it. */
    var adds = [], origAdd = Set.prototype.add;
    Set.prototype.add = function (v) {
        adds.push(v);
        return origAdd.call(this, v * 10);
    };
    var ms = new Set([1, 2]);
    Set.prototype.add = origAdd;
    eq("constructor calls the current add", [adds, drain(ms.values())], [[1, 2], [10, 20]]);
    function MySet() {
        var s = new Set(arguments[0]);
        Object.setPrototypeOf(s, MySet.prototype);
        return s;
    }
    MySet.prototype = Object.create(Set.prototype);
    MySet.prototype.sum = function () {
        var t = 0;
        this.forEach(function (v) { t += v; });
        return t;
    };
    var my = new MySet([1, 2, 3]);
    eq("subclass (Babel's wrapNativeSuper way)", [my.sum(), my instanceof Set, my.has(2), my.size],
       [6, true, true, 3]);

    /* --- WeakMap / WeakSet --- */
    var wm = new WeakMap(), k1 = {}, k2 = function () {}, k3 = [];
    eq("WeakMap set returns it", wm.set(k1, 1) === wm, true);
    wm.set(k2, 2).set(k3, 3);
    eq("WeakMap get/has", [wm.get(k1), wm.get(k2), wm.get(k3), wm.has(k1), wm.has({})],
       [1, 2, 3, true, false]);
    eq("WeakMap update", wm.set(k1, "one").get(k1), "one");
    eq("WeakMap delete", [wm.delete(k1), wm.delete(k1), wm.has(k1), wm.get(k1)],
       [true, false, false, undefined]);
    throwsType("WeakMap primitive key", function () { wm.set("s", 1); });
    throwsType("WeakMap null key", function () { wm.set(null, 1); });
    eq("WeakMap primitive lookups are false/undefined",
       [wm.get(1), wm.has("x"), wm.delete(null)], [undefined, false, false]);
    var wm2 = new WeakMap();
    wm2.set(k2, "other");
    eq("two WeakMaps on one key are separate", [wm.get(k2), wm2.get(k2)], [2, "other"]);
    eq("the key shows nothing", [Object.keys(k3), Object.getOwnPropertyNames(k1),
                                 JSON.stringify(k1), Reflect.ownKeys(k3).length,
                                 Object.getOwnPropertySymbols(k1).length],
       [[], [], "{}", 1 /* length */, 0]);
    var proto = {}, child = Object.create(proto);
    wm.set(proto, "proto");
    eq("not inherited through the prototype chain", [wm.has(child), wm.get(child)],
       [false, undefined]);
    var frozen = Object.freeze({ a: 1 });
    wm.set(frozen, "f");
    eq("frozen key", [wm.get(frozen), Object.isFrozen(frozen), wm.delete(frozen),
                      wm.has(frozen)], ["f", true, true, false]);
    var sealed = Object.seal({}), nonext = Object.preventExtensions({});
    wm.set(sealed, 1);
    wm.set(nonext, 2);
    eq("sealed and non-extensible keys", [wm.get(sealed), wm.get(nonext), Object.isSealed(sealed),
                                          Object.isExtensible(nonext)], [1, 2, true, false]);
    wm.set(Math.max, "lf");
    eq("built-in function key (strong table)", [wm.get(Math.max), wm.has(Math.min),
                                                wm.delete(Math.max), wm.has(Math.max)],
       ["lf", false, true, false]);
    var target = {}, proxy = new Proxy(target, {
        get: function () { return "trapped"; },
        has: function () { return true; },
        ownKeys: function () { return []; }
    });
    wm.set(proxy, "p");
    eq("Proxy key: traps not called", [wm.get(proxy), wm.has(target), wm.get(target)],
       ["p", false, undefined]);
    var wmi = new WeakMap([[k1, "x"], [k3, "y"]]);
    eq("new WeakMap(pairs)", [wmi.get(k1), wmi.get(k3)], ["x", "y"]);
    throwsType("new WeakMap([[1, 2]])", function () { return new WeakMap([[1, 2]]); });
    eq("WeakMap has no size or iteration", [new WeakMap().size, typeof WeakMap.prototype.forEach,
                                            typeof WeakMap.prototype.clear], [undefined,
                                                                              "undefined",
                                                                              "undefined"]);

    var ws = new WeakSet([k1]);
    eq("WeakSet add/has/delete", [ws.has(k1), ws.add(k2) === ws, ws.has(k2), ws.delete(k2),
                                  ws.has(k2), ws.has(1)], [true, true, true, true, false, false]);
    throwsType("WeakSet primitive", function () { ws.add(1); });
    var wsm = new WeakMap();
    wsm.set(k1, 5);
    eq("WeakSet and WeakMap on one key are separate", [wsm.get(k1), ws.has(k1)], [5, true]);

    /* The pattern of lowered #private fields (esbuild/Babel): one WeakMap per
     * field, instances as keys. */
    var _count = new WeakMap();
    function Counter() { _count.set(this, 0); }
    Counter.prototype.inc = function () { _count.set(this, _count.get(this) + 1); return this; };
    Counter.prototype.get = function () { return _count.get(this); };
    var c1 = new Counter(), c2 = new Counter();
    c1.inc().inc();
    c2.inc();
    eq("private-field pattern", [c1.get(), c2.get(), Object.keys(c1)], [2, 1, []]);

})();
