/* duk-patches/101: the Proxy traps Duktape 2.7 never called
 * (getOwnPropertyDescriptor, defineProperty, getPrototypeOf, setPrototypeOf,
 * isExtensible, preventExtensions) and what the spec routes through them;
 * answers as Node 20 gives them. */
(function () {
    "use strict";
    var eq = T.eq, log = [];
    function logged(handler) {
        var h = {}, k;
        for (k in handler) {
            (function (name, f) {
                h[name] = function () {
                    log.push(name + (typeof arguments[1] === "string" ? " " + arguments[1] : ""));
                    return f.apply(this, arguments);
                };
            })(k, handler[k]);
        }
        return h;
    }
    function take() { var l = log; log = []; return l; }

    /* getOwnPropertyDescriptor: a virtual property, completed descriptor */
    var virt = { a: 1 };
    var p = new Proxy(virt, logged({
        ownKeys: function () { return ["a", "b", "hidden"]; },
        getOwnPropertyDescriptor: function (t, k) {
            if (k === "b") { return { value: 2, configurable: true, enumerable: true }; }
            if (k === "hidden") { return { value: 3, configurable: true }; }
            return Reflect.getOwnPropertyDescriptor(t, k);
        },
        get: function (t, k) { return k === "b" ? 2 : k === "hidden" ? 3 : t[k]; }
    }));
    eq("gOPD completed", Object.getOwnPropertyDescriptor(p, "b"),
       { value: 2, writable: false, enumerable: true, configurable: true });
    eq("gOPD missing", Object.getOwnPropertyDescriptor(p, "zz"), undefined);
    eq("Reflect.gOPD", Reflect.getOwnPropertyDescriptor(p, "a"),
       { value: 1, writable: true, enumerable: true, configurable: true });
    take();
    eq("Object.keys asks the trap for enumerability", Object.keys(p), ["a", "b"]);
    eq("trap calls of Object.keys", take(), ["ownKeys", "getOwnPropertyDescriptor a",
                                              "getOwnPropertyDescriptor b",
                                              "getOwnPropertyDescriptor hidden"]);
    eq("Object.entries", Object.entries(p), [["a", 1], ["b", 2]]);
    eq("JSON.stringify", JSON.stringify(p), "{\"a\":1,\"b\":2}");
    eq("Object.assign", Object.assign({}, p), { a: 1, b: 2 });
    var seen = [], k;
    for (k in p) { seen.push(k); }
    eq("for-in", seen, ["a", "b"]);
    eq("getOwnPropertyNames: all", Object.getOwnPropertyNames(p), ["a", "b", "hidden"]);
    eq("hasOwnProperty", [Object.prototype.hasOwnProperty.call(p, "b"),
                          Object.prototype.hasOwnProperty.call(p, "zz")], [true, false]);
    eq("propertyIsEnumerable", [Object.prototype.propertyIsEnumerable.call(p, "b"),
                                Object.prototype.propertyIsEnumerable.call(p, "hidden")],
       [true, false]);
    take();

    /* gOPD invariants and result checks */
    var frozenT = Object.freeze({ x: 1 });
    eq("gOPD hiding a non-configurable property", T.throwsType(function () {
        Object.getOwnPropertyDescriptor(new Proxy(frozenT, {
            getOwnPropertyDescriptor: function () { return undefined; }
        }), "x");
    }), true);
    eq("gOPD reporting non-configurable for a missing property", T.throwsType(function () {
        Object.getOwnPropertyDescriptor(new Proxy({}, {
            getOwnPropertyDescriptor: function () { return { value: 1, configurable: false }; }
        }), "x");
    }), true);
    eq("gOPD returning a primitive", T.throwsType(function () {
        Object.getOwnPropertyDescriptor(new Proxy({}, {
            getOwnPropertyDescriptor: function () { return 1; }
        }), "x");
    }), true);
    eq("gOPD without a trap reads the target", Object.getOwnPropertyDescriptor(
        new Proxy({ q: 5 }, {}), "q"), { value: 5, writable: true, enumerable: true,
                                        configurable: true });

    /* defineProperty */
    var dt = {}, defs = [];
    var dp = new Proxy(dt, {
        defineProperty: function (t, k, d) {
            defs.push([k, d]);
            if (k === "no") { return false; }
            return Reflect.defineProperty(t, k, d);
        }
    });
    Object.defineProperty(dp, "x", { value: 1, enumerable: true });
    eq("the trap sees the normalized descriptor", defs, [["x", { value: 1, enumerable: true }]]);
    eq("defined on the target", Object.getOwnPropertyDescriptor(dt, "x"),
       { value: 1, writable: false, enumerable: true, configurable: false });
    eq("Object.defineProperty throws on false", T.throwsType(function () {
        Object.defineProperty(dp, "no", { value: 1 });
    }), true);
    eq("Reflect.defineProperty returns false", Reflect.defineProperty(dp, "no", { value: 1 }),
       false);
    eq("Reflect.defineProperty returns true", Reflect.defineProperty(dp, "y", { get: function () {
        return 9; } }), true);
    eq("an accessor through the trap", dt.y, 9);
    eq("defineProperty non-configurable on a missing target property", T.throwsType(function () {
        Object.defineProperty(new Proxy({}, { defineProperty: function () { return true; } }), "z",
                              { value: 1, configurable: false });
    }), true);
    var nt = {};
    Object.defineProperty(new Proxy(nt, {}), "w", { value: 7, writable: true });
    eq("no trap: defined on the target", [nt.w, Object.getOwnPropertyNames(nt)], [7, ["w"]]);

    /* getPrototypeOf and what uses it */
    function A() {}
    function B() {}
    var protoLog = 0;
    var pp = new Proxy({}, { getPrototypeOf: function () { protoLog++; return A.prototype; } });
    eq("Object.getPrototypeOf", Object.getPrototypeOf(pp) === A.prototype, true);
    eq("Reflect.getPrototypeOf", Reflect.getPrototypeOf(pp) === A.prototype, true);
    eq("instanceof", [pp instanceof A, pp instanceof B, pp instanceof Object], [true, false,
                                                                             true]);
    eq("isPrototypeOf", [A.prototype.isPrototypeOf(pp), B.prototype.isPrototypeOf(pp),
                         Object.prototype.isPrototypeOf(pp)], [true, false, true]);
    eq("a proxy further up the chain", Object.create(pp) instanceof A, true);
    eq("the trap was called", protoLog > 5, true);
    eq("no trap: the target's prototype", Object.getPrototypeOf(new Proxy(new B(), {})) ===
       B.prototype, true);
    eq("no trap: instanceof", [new Proxy(new B(), {}) instanceof B, new Proxy([], {}) instanceof
                               Array], [true, true]);
    eq("getPrototypeOf returning a primitive", T.throwsType(function () {
        Object.getPrototypeOf(new Proxy({}, { getPrototypeOf: function () { return 1; } }));
    }), true);
    eq("getPrototypeOf lying about a non-extensible target", T.throwsType(function () {
        Object.getPrototypeOf(new Proxy(Object.preventExtensions({}), {
            getPrototypeOf: function () { return A.prototype; }
        }));
    }), true);
    eq("null prototype", Object.getPrototypeOf(new Proxy({}, {
        getPrototypeOf: function () { return null; } })), null);

    /* setPrototypeOf */
    var st = {}, sp = new Proxy(st, {
        setPrototypeOf: function (t, v) { log.push("setPrototypeOf"); return v === A.prototype ?
                                            Reflect.setPrototypeOf(t, v) : false; }
    });
    eq("Object.setPrototypeOf returns the proxy", Object.setPrototypeOf(sp, A.prototype) === sp,
       true);
    eq("the target's prototype changed", Object.getPrototypeOf(st) === A.prototype, true);
    eq("Object.setPrototypeOf throws on false", T.throwsType(function () {
        Object.setPrototypeOf(sp, B.prototype);
    }), true);
    eq("Reflect.setPrototypeOf", [Reflect.setPrototypeOf(sp, B.prototype),
                                  Reflect.setPrototypeOf(sp, A.prototype)], [false, true]);
    var st2 = {};
    Object.setPrototypeOf(new Proxy(st2, {}), B.prototype);
    eq("no trap: the target", Object.getPrototypeOf(st2) === B.prototype, true);
    eq("no trap: a cycle refused", Reflect.setPrototypeOf(new Proxy(st2, {}),
                                                          Object.create(st2)), false);
    take();

    /* isExtensible / preventExtensions */
    var et = {}, ep = new Proxy(et, {
        isExtensible: function (t) { log.push("isExtensible"); return Reflect.isExtensible(t); },
        preventExtensions: function (t) { log.push("preventExtensions");
                                          return Reflect.preventExtensions(t); }
    });
    eq("isExtensible", [Object.isExtensible(ep), Reflect.isExtensible(ep)], [true, true]);
    eq("preventExtensions returns the proxy", Object.preventExtensions(ep) === ep, true);
    eq("the target", Object.isExtensible(et), false);
    eq("isExtensible after", Object.isExtensible(ep), false);
    eq("trap calls", take(), ["isExtensible", "isExtensible", "preventExtensions",
                              "isExtensible"]);
    eq("isExtensible lying", T.throwsType(function () {
        Object.isExtensible(new Proxy({}, { isExtensible: function () { return false; } }));
    }), true);
    eq("preventExtensions lying", T.throwsType(function () {
        Object.preventExtensions(new Proxy({}, { preventExtensions: function () {
            return true; } }));
    }), true);
    eq("preventExtensions refusing", [T.throwsType(function () {
        Object.preventExtensions(new Proxy({}, { preventExtensions: function () {
            return false; } }));
    }), Reflect.preventExtensions(new Proxy({}, { preventExtensions: function () {
        return false; } }))], [true, false]);
    var nt2 = {};
    Object.preventExtensions(new Proxy(nt2, {}));
    eq("no trap: the target", Object.isExtensible(nt2), false);

    /* freeze / seal / isFrozen / isSealed through the traps */
    var ft = { a: 1, get g() { return 2; } };
    var fp = new Proxy(ft, logged({
        preventExtensions: function (t) { return Reflect.preventExtensions(t); },
        ownKeys: function (t) { return Reflect.ownKeys(t); },
        getOwnPropertyDescriptor: function (t, k) { return Reflect.getOwnPropertyDescriptor(t, k); },
        defineProperty: function (t, k, d) { return Reflect.defineProperty(t, k, d); }
    }));
    eq("isFrozen before", Object.isFrozen(fp), false);
    take();
    eq("freeze returns the proxy", Object.freeze(fp) === fp, true);
    eq("freeze's trap calls", take(), ["preventExtensions", "ownKeys",
                                       "getOwnPropertyDescriptor a", "defineProperty a",
                                       "getOwnPropertyDescriptor g", "defineProperty g"]);
    eq("the target is frozen", [Object.isFrozen(ft), Object.isFrozen(fp), Object.isSealed(fp)],
       [true, true, true]);
    var sealT = { a: 1 }, sealP = new Proxy(sealT, {});
    Object.seal(sealP);
    eq("seal without traps", [Object.isSealed(sealT), Object.isFrozen(sealT),
                              Object.isSealed(sealP), Object.isFrozen(sealP)],
       [true, false, true, false]);

    /* ordinary objects are untouched */
    var o = {};
    Object.defineProperty(o, "k", { value: 1, enumerable: false });
    eq("ordinary objects", [Object.keys(o), Object.getOwnPropertyDescriptor(o, "k").enumerable,
                            Object.isExtensible(o), o instanceof Object], [[], false, true,
                                                                         true]);

    /* duk-patches/127: a trap that is undefined or null is absent (GetMethod):
     * the operation goes to the target */
    var tgt = { a: 1 }, fnTarget = function (x) { return x + 1; }, res = [];
    [undefined, null].forEach(function (none) {
        var q = new Proxy(tgt, { get: none, set: none, has: none, deleteProperty: none,
                                 ownKeys: none, getOwnPropertyDescriptor: none });
        var ks = [];
        for (var k in q) { ks.push(k); }
        q.b = 2;
        res.push([q.a, "a" in q, Object.keys(q), ks, delete q.b, tgt.b,
                  Object.getOwnPropertyDescriptor(q, "a").value]);
        var f = new Proxy(fnTarget, { apply: none, construct: none });
        res.push([f(1), typeof new f(1)]);
    });
    eq("undefined or null traps go to the target", res,
       [[1, true, ["a", "b"], ["a"], true, undefined, 1], [2, "object"],
        [1, true, ["a", "b"], ["a"], true, undefined, 1], [2, "object"]]);
})();
