/* Named property reads and writes on their fast paths
 * (duk-patches/63-getprop-named-fast-path, 64-putprop-named-fast-path): every
 * way the answer can depend on more than one table scan (the prototype chain,
 * accessors, attributes, extensibility, deletes, redefinitions, prototype
 * changes, Proxy, arrays, String objects, typed arrays, arguments objects,
 * functions' lazy 'prototype' and 'caller', hash parts, compaction, freed and
 * reused objects) gives the answer the spec (and Node 20) gives. The internal
 * lookups and defines on the same scan (duk-patches/65: scope records,
 * closures, object literals, arguments, built-ins' results) too. */

function ndPropsStrictPut(o, k, v) { "use strict"; o[k] = v; }
function ndPropsStrictPutX(o, v) { "use strict"; o.x = v; }
function ndPropsSloppyPutX(o, v) { o.x = v; }
function ndPropsReadGlobalAcc() { return ndPropsGlobalAcc; }
function ndPropsWriteGlobalAcc(v) { ndPropsGlobalAcc = v; }
function ndPropsArgs(a, b) {
    var r = [arguments.length, arguments[0], arguments.foo];
    arguments.foo = "named";
    arguments.length = 7;
    arguments[0] = "mapped";
    r.push(arguments.foo, arguments.length, a);
    return r;
}

(function () {
    var G = globalThis;
    var i;
    var eq = T.eq;
    var errName = T.errName;

    /* Reads: own, inherited, shadowed, missing, deep chains. */
    var proto = { inherited: 1, shadowed: "proto" };
    var o = Object.create(proto);
    o.own = 2;
    o.shadowed = "own";
    eq("own, inherited, shadowed, missing", [o.own, o.inherited, o.shadowed, o.missing],
       [2, 1, "own", undefined]);
    eq("a missing name reads undefined, also with 'in'", [o.nothing, "nothing" in o],
       [undefined, false]);
    var root = {};
    var deep = root;
    for (i = 0; i < 60; i++) {
        deep = Object.create(deep);
    }
    eq("60 objects deep: missing", deep.deepName, undefined);
    root.deepName = "root";
    eq("60 objects deep: then added at the root", deep.deepName, "root");
    eq("Object.prototype's methods through a chain", typeof deep.hasOwnProperty, "function");

    /* Deletes uncover what the prototype has; a write after them is own. */
    delete o.shadowed;
    eq("delete own uncovers the inherited one", o.shadowed, "proto");
    delete proto.shadowed;
    eq("delete the inherited one too", [o.shadowed, "shadowed" in o], [undefined, false]);
    o.shadowed = "again";
    eq("a write after the deletes is own", [o.shadowed, o.hasOwnProperty("shadowed"),
                                            proto.shadowed], ["again", true, undefined]);
    delete o.own;
    o.own = 3;
    eq("deleted and written again", [o.own, Object.keys(o)], [3, ["shadowed", "own"]]);

    /* Accessors: the getter/setter gets the original receiver as this. */
    var acc = {};
    Object.defineProperty(acc, "g", {
        get: function () { return "g of " + this.tag; }, configurable: true });
    Object.defineProperty(acc, "s", {
        set: function (v) { this.got = v + " via " + this.tag; }, configurable: true });
    var recv = Object.create(acc);
    recv.tag = "receiver";
    acc.tag = "holder";
    eq("an inherited getter gets the receiver", recv.g, "g of receiver");
    eq("an own getter", acc.g, "g of holder");
    eq("a setter-only accessor reads undefined", [recv.s, acc.s], [undefined, undefined]);
    recv.s = 5;
    eq("an inherited setter runs on the receiver, no own property",
       [recv.got, recv.hasOwnProperty("s"), acc.got], ["5 via receiver", false, undefined]);
    ndPropsSloppyPutX(Object.create(Object.defineProperty({}, "x", { get: function () {
        return 1; } })), 2);
    eq("a getter-only accessor: a strict write throws",
       errName(function () {
           ndPropsStrictPutX(Object.create(Object.defineProperty({}, "x", {
               get: function () { return 1; } })), 2);
       }), "TypeError");
    var cnt = 0;
    var counted = Object.defineProperty({}, "n", { get: function () { return ++cnt; } });
    eq("a getter runs on every read", [counted.n, counted.n, counted.n], [1, 2, 3]);
    var thrower = Object.defineProperty({}, "t", { get: function () { throw new RangeError("t"); } });
    eq("a throwing getter throws through the read", errName(function () { return thrower.t; }),
       "RangeError");
    var selfDel = {};
    Object.defineProperty(selfDel, "once", { configurable: true, get: function () {
        delete this.once;
        this.once = "data now";
        return "from getter";
    } });
    eq("a getter that replaces itself", [selfDel.once, selfDel.once], ["from getter", "data now"]);

    /* Redefinitions in place: data -> accessor -> data, attributes. */
    var rd = { a: 1, b: 2, c: 3 };
    Object.defineProperty(rd, "b", { get: function () { return "getter b"; }, configurable: true });
    eq("data redefined as an accessor", [rd.a, rd.b, rd.c], [1, "getter b", 3]);
    Object.defineProperty(rd, "b", { value: "data b", writable: true, configurable: true,
                                     enumerable: true });
    eq("and back to data", rd.b, "data b");
    rd.b = "written";
    eq("and written", rd.b, "written");
    Object.defineProperty(rd, "b", { writable: false });
    rd.b = "ignored";
    eq("made read-only: a sloppy write is ignored", rd.b, "written");
    eq("a strict write throws", errName(function () { ndPropsStrictPut(rd, "b", 1); }),
       "TypeError");
    eq("the others stay writable", (rd.c = 30, rd.c), 30);

    /* Writes against the prototype chain. */
    var ro = Object.defineProperty({}, "x", { value: "proto x", writable: false });
    var child = Object.create(ro);
    ndPropsSloppyPutX(child, "child x");
    eq("an inherited read-only property blocks a sloppy write",
       [child.x, child.hasOwnProperty("x")], ["proto x", false]);
    eq("and a strict write throws", errName(function () { ndPropsStrictPutX(child, 1); }),
       "TypeError");
    var wp = { x: "proto" };
    var wc = Object.create(wp);
    wc.x = "own";
    eq("an inherited writable one: the write makes an own property",
       [wc.x, wp.x, wc.hasOwnProperty("x")], ["own", "proto", true]);
    Object.setPrototypeOf(wc, ro);
    eq("after a prototype change the own one stays", wc.x, "own");
    var fresh = Object.create(wp);
    Object.setPrototypeOf(fresh, ro);
    ndPropsSloppyPutX(fresh, 1);
    eq("a new prototype's read-only property is seen", [fresh.x, fresh.hasOwnProperty("x")],
       ["proto x", false]);
    Object.setPrototypeOf(fresh, acc);
    eq("and a new prototype's getter", [fresh.g, fresh.x], ["g of holder", undefined]);
    Object.setPrototypeOf(fresh, null);
    eq("and no prototype at all", [fresh.g, fresh.toString], [undefined, undefined]);
    fresh.x = "null-proto own";
    eq("a write to an object without prototype", fresh.x, "null-proto own");

    /* Extensibility: preventExtensions, seal, freeze. */
    var ne = Object.preventExtensions({ a: 1 });
    ne.a = 2;
    ne.b = 3;
    eq("not extensible: updates, no additions", [ne.a, ne.b, "b" in ne], [2, undefined, false]);
    eq("a strict addition throws", errName(function () { ndPropsStrictPut(ne, "b", 1); }),
       "TypeError");
    var se = Object.seal({ a: 1 });
    se.a = 5;
    se.z = 1;
    eq("sealed: updates, no additions", [se.a, se.z], [5, undefined]);
    var fr = Object.freeze({ a: 1 });
    fr.a = 5;
    eq("frozen: no updates", fr.a, 1);
    eq("frozen: a strict update throws", errName(function () { ndPropsStrictPut(fr, "a", 2); }),
       "TypeError");
    var nep = Object.create(Object.preventExtensions({ p: 1 }));
    nep.q = 2;
    eq("a non-extensible prototype does not stop its child", [nep.q, nep.p], [2, 1]);

    /* Object.prototype and the global object. */
    Object.prototype.ndPropsOnProto = "everywhere";
    eq("a name added to Object.prototype", [({}).ndPropsOnProto, [].ndPropsOnProto,
                                            deep.ndPropsOnProto], ["everywhere", "everywhere",
                                                                   "everywhere"]);
    delete Object.prototype.ndPropsOnProto;
    eq("and deleted from it", ({}).ndPropsOnProto, undefined);
    G.ndPropsGlobal = 1;
    G.ndPropsGlobal = G.ndPropsGlobal + 1;
    eq("the global object", G.ndPropsGlobal, 2);
    delete G.ndPropsGlobal;

    /* Proxy as the base and in the prototype chain. */
    var log = [];
    var target = { t: "target" };
    var px = new Proxy(target, {
        get: function (t, k, r) { log.push("get " + String(k)); return k === "t" ? t[k] : "trap " + String(k); },
        set: function (t, k, v, r) { log.push("set " + String(k)); t[k] = "set " + v; return true; }
    });
    eq("a Proxy's get trap", [px.t, px.other], ["target", "trap other"]);
    px.w = 1;
    eq("a Proxy's set trap", [target.w, log], ["set 1", ["get t", "get other", "set w"]]);
    var pchild = Object.create(px);
    pchild.own = "own";
    eq("a Proxy in the chain: own names first, then its get trap",
       [pchild.own, pchild.viaProxy], ["own", "trap viaProxy"]);
    var plain = Object.create(new Proxy({ fromTarget: "target's" }, {}));
    eq("a trapless Proxy in the chain reads its target", plain.fromTarget, "target's");

    /* Arrays: named properties, methods, 'length', index-like names. */
    var arr = [1, 2, 3];
    arr.named = "n";
    eq("a named property of an array", [arr.named, arr.length, arr.push === Array.prototype.push],
       ["n", 3, true]);
    arr.length = 1;
    eq("'length' written truncates", [arr.length, arr[1], JSON.stringify(arr)], [1, undefined, "[1]"]);
    arr["2"] = "two";
    eq("an index-like string key grows it", [arr.length, arr[2]], [3, "two"]);
    var fa = Object.freeze([1]);
    eq("a frozen array's length cannot be written",
       errName(function () { ndPropsStrictPut(fa, "length", 0); }), "TypeError");
    var arrChild = Object.create([5, 6]);
    eq("an array as a prototype: its length and items", [arrChild.length, arrChild[1]], [2, 6]);
    arrChild.length = 9;
    eq("a write of 'length' to its child is own", [arrChild.length, Object.getPrototypeOf(arrChild).length],
       [9, 2]);

    /* String objects and typed arrays: their virtual 'length'. */
    var so = new String("abc");
    so.extra = "e";
    eq("a String object's length and own names", [so.length, so.extra, so[1]], [3, "e", "b"]);
    so.length = 10;
    eq("its length is read-only", so.length, 3);
    eq("a strict write of it throws", errName(function () { ndPropsStrictPut(so, "length", 1); }),
       "TypeError");
    var sChild = Object.create(so);
    eq("a String object as a prototype", [sChild.length, sChild.extra], [3, "e"]);
    var u8 = new Uint8Array(4);
    u8.tag = "t";
    eq("a typed array's length and own names", [u8.length, u8.byteLength, u8.tag], [4, 4, "t"]);

    /* Arguments objects. */
    eq("arguments: length, index, named, mapped writes",
       ndPropsArgs("a0", "a1"), [2, "a0", undefined, "named", 7, "mapped"]);

    /* Functions: the lazy 'prototype', name, length, caller. */
    function Ctor(a, b) { this.a = a; }
    eq("a function's name and length", [Ctor.name, Ctor.length], ["Ctor", 2]);
    eq("its prototype is made on first read", [typeof Ctor.prototype,
                                               Ctor.prototype.constructor === Ctor], ["object", true]);
    function Ctor2() {}
    Ctor2.prototype = { marker: "replaced" };
    eq("a prototype written before any read", [new Ctor2().marker, Ctor2.prototype.marker],
       ["replaced", "replaced"]);
    function Ctor3() {}
    Ctor3.prototype.shared = "lazy one";
    eq("a write through a first read of it", new Ctor3().shared, "lazy one");
    var strictFn = function () { "use strict"; };
    var sloppyFn = function () {};
    Object.defineProperty(sloppyFn, "caller", { value: strictFn, configurable: true });
    eq("a sloppy function whose 'caller' is strict throws on read",
       errName(function () { return sloppyFn.caller; }), "TypeError");
    var obj2 = { caller: strictFn };
    eq("'caller' of an ordinary object is a plain read", obj2.caller === strictFn, true);

    /* Symbols. */
    var sym = Symbol("k");
    var sp = {};
    sp[sym] = "sym own";
    var sc = Object.create(sp);
    eq("a Symbol key: own and inherited", [sp[sym], sc[sym]], ["sym own", "sym own"]);
    sc[sym] = "child";
    eq("and a write makes it own", [sc[sym], sp[sym]], ["child", "sym own"]);

    /* Large tables (a hash part from 16 properties): reads, deletes, reuse. */
    var big = {};
    for (i = 0; i < 40; i++) {
        big["k" + i] = i;
    }
    var ok = true;
    for (i = 0; i < 40; i++) {
        if (big["k" + i] !== i) {
            ok = false;
        }
    }
    eq("40 properties read back", ok, true);
    for (i = 0; i < 40; i += 2) {
        delete big["k" + i];
    }
    ok = true;
    for (i = 0; i < 40; i++) {
        if (big["k" + i] !== (i % 2 ? i : undefined)) {
            ok = false;
        }
    }
    eq("half of them deleted", ok, true);
    for (i = 0; i < 40; i += 2) {
        big["k" + i] = -i;
    }
    ok = true;
    for (i = 0; i < 40; i++) {
        if (big["k" + i] !== (i % 2 ? i : -i)) {
            ok = false;
        }
    }
    eq("and written again", ok, true);
    var bigChild = Object.create(big);
    bigChild.k3 = "shadow";
    eq("a large table as a prototype", [bigChild.k3, bigChild.k5, bigChild.k4, bigChild.k99],
       ["shadow", 5, -4, undefined]);

    /* Compaction: many deletes, then additions that make the table grow
     * again (its entries move); every name still reads its own value. */
    var cmp = {};
    for (i = 0; i < 30; i++) {
        cmp["c" + i] = "v" + i;
    }
    for (i = 0; i < 28; i++) {
        delete cmp["c" + i];
    }
    for (i = 0; i < 30; i++) {
        cmp["d" + i] = "w" + i;
    }
    ok = cmp.c28 === "v28" && cmp.c29 === "v29" && cmp.c0 === undefined;
    for (i = 0; i < 30; i++) {
        if (cmp["d" + i] !== "w" + i) {
            ok = false;
        }
    }
    eq("after compaction", [ok, Object.keys(cmp).length, Object.keys(cmp)[0]], [true, 32, "c28"]);
    var small = { a: 1, b: 2, c: 3, d: 4 };
    delete small.a;
    delete small.b;
    small.e = 5;
    small.f = 6;
    small.g = 7;
    eq("a small table compacted", [small.c, small.d, small.e, small.f, small.g, small.a],
       [3, 4, 5, 6, 7, undefined]);

    /* Objects freed (by refcount, and by mark-and-sweep for cycles) and
     * their memory reused by objects of other shapes: each read sees its
     * own object's table. */
    ok = true;
    for (i = 0; i < 3000; i++) {
        var x = (i % 3 === 0) ? { a: i, b: "b" } : (i % 3 === 1) ? { b: "b", a: i } : { z: 0, y: 1, a: i };
        if (i % 5 === 0) {
            x.self = x; /* a cycle: freed by mark-and-sweep */
        }
        if (x.a !== i || (i % 3 !== 2 && x.b !== "b") || x.missing !== undefined) {
            ok = false;
        }
        x.a = -i;
        if (x.a !== -i) {
            ok = false;
        }
        if (i % 500 === 0 && typeof Duktape === "object" && Duktape.gc) {
            Duktape.gc();
        }
    }
    eq("3000 objects freed and their memory reused", ok, true);

    /* Scope records: a closed function's variables (more than 16: a hash
     * part) read and written through closures, shadowing at every level. */
    function makeScope() {
        var v0 = 0, v1 = 1, v2 = 2, v3 = 3, v4 = 4, v5 = 5, v6 = 6, v7 = 7, v8 = 8, v9 = 9;
        var v10 = 10, v11 = 11, v12 = 12, v13 = 13, v14 = 14, v15 = 15, v16 = 16, v17 = 17;
        var v18 = 18, v19 = 19, shadow = "outer";
        function inner() {
            var shadow = "inner";
            return function () { return [shadow, v0, v19]; };
        }
        return {
            sum: function () {
                return v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 + v12 + v13 +
                       v14 + v15 + v16 + v17 + v18 + v19;
            },
            bump: function () { v0 += 100; v19 += 100; return shadow; },
            inner: inner()
        };
    }
    var sc1 = makeScope();
    var sc2 = makeScope();
    eq("20 closed-over variables", [sc1.sum(), sc2.sum()], [190, 190]);
    eq("written through a closure", [sc1.bump(), sc1.sum(), sc2.sum(), sc1.inner()],
       ["outer", 390, 190, ["inner", 100, 119]]);
    var caught;
    try {
        throw "thrown";
    } catch (e) {
        caught = function () { return e; };
    }
    eq("a catch binding kept by a closure", caught(), "thrown");
    var nfe = function named() { named = 1; return typeof named; };
    eq("a named function expression's own name is read-only", nfe(), "function");
    var nfeStrict = function named2() { "use strict"; named2 = 1; };
    eq("and a strict write to it throws", errName(nfeStrict), "TypeError");

    /* A global accessor read and written by name from functions. */
    var gv = "first";
    Object.defineProperty(G, "ndPropsGlobalAcc", { configurable: true,
        get: function () { return "got " + gv; }, set: function (v) { gv = v; } });
    eq("a global getter by name", ndPropsReadGlobalAcc(), "got first");
    ndPropsWriteGlobalAcc("second");
    eq("and its setter by name", [ndPropsReadGlobalAcc(), gv], ["got second", "second"]);
    Object.defineProperty(G, "ndPropsGlobalAcc", { value: "data", writable: true });
    eq("redefined as data", ndPropsReadGlobalAcc(), "data");
    delete G.ndPropsGlobalAcc;

    /* Object literals (repeated names: the last one wins, in place), and
     * the objects built-ins make. */
    eq("an object literal with repeated names", [{ a: 1, b: 2, a: 3 }, Object.keys({ a: 1, b: 2, a: 3 })],
       [{ a: 3, b: 2 }, ["a", "b"]]);
    eq("a getter then a data property of the same name", ({ get a() { return 1; }, a: 2 }).a, 2);
    eq("a data property then a getter of the same name", ({ a: 2, get a() { return 1; } }).a, 1);
    eq("arrays made by built-ins: their length", [[1, 2].concat([3], [4, 5]).length,
        [1, 2, 3].slice(1).length, [1, 2, 3].map(function (v) { return v; }).length,
        [1, 2, 3].filter(function (v) { return v > 1; }), "a,b,c".split(",").length,
        JSON.parse("[1,2,3]").length, [].concat([1], 2).length], [5, 2, 3, [2, 3], 3, 3, 2]);
    eq("a bound function's length and name", [(function (a, b, c) {}).bind(null, 1).length,
        (function foo(a) {}).bind(null).name], [2, "bound foo"]);
    eq("arguments.callee: sloppy", (function () { return typeof arguments.callee; })(), "function");
    eq("arguments.callee: strict throws",
       errName(function () { return (function () { "use strict"; return arguments.callee; })(); }),
       "TypeError");
    var re = /b(c)/.exec("abcd");
    eq("a RegExp match's index and input", [re.index, re.input, re.length], [1, "abcd", 2]);
    var errObj = new RangeError("m");
    eq("an Error's own message and inherited name", [errObj.message, errObj.name,
        errObj.hasOwnProperty("name")], ["m", "RangeError", false]);
}());
