/* duk-patches/104: the invariants of ownKeys, deleteProperty,
 * getOwnPropertyDescriptor and defineProperty results against the target,
 * and Object.defineProperties through the defineProperty trap; answers as
 * Node 20 gives them. */
(function () {
    "use strict";
    var eq = T.eq;
    function keysTrap(target, keys) {
        return new Proxy(target, { ownKeys: function () { return keys; } });
    }

    /* ownKeys */
    eq("a plain result", Reflect.ownKeys(keysTrap({ a: 1 }, ["a", "b"])), ["a", "b"]);
    eq("duplicates", T.throwsType(function () { Reflect.ownKeys(keysTrap({}, ["a", "a"])); }),
       true);
    var sym = Symbol("s");
    eq("duplicate symbols", T.throwsType(function () {
        Reflect.ownKeys(keysTrap({}, [sym, sym]));
    }), true);
    eq("a number in the result", T.throwsType(function () {
        Reflect.ownKeys(keysTrap({}, [1]));
    }), true);
    var nc = {};
    Object.defineProperty(nc, "fixed", { value: 1 });
    eq("a non-configurable key left out", T.throwsType(function () {
        Object.keys(keysTrap(nc, []));
    }), true);
    eq("a non-configurable key present", Reflect.ownKeys(keysTrap(nc, ["fixed", "x"])),
       ["fixed", "x"]);
    var ne = Object.preventExtensions({ a: 1, b: 2 });
    eq("non-extensible: a key missing", T.throwsType(function () {
        Reflect.ownKeys(keysTrap(ne, ["a"]));
    }), true);
    eq("non-extensible: a key added", T.throwsType(function () {
        Reflect.ownKeys(keysTrap(ne, ["a", "b", "c"]));
    }), true);
    eq("non-extensible: exactly its keys", Reflect.ownKeys(keysTrap(ne, ["b", "a"])), ["b", "a"]);
    eq("for-in checks too", T.throwsType(function () {
        for (var k in keysTrap({}, ["a", "a"])) { void k; }
    }), true);

    /* deleteProperty */
    var del = new Proxy(Object.preventExtensions({ a: 1 }), {
        deleteProperty: function () { return true; }
    });
    eq("deleting from a non-extensible target", T.throwsType(function () { delete del.a; }),
       true);
    eq("a property it lacks", delete del.zz, true);
    eq("extensible target", delete new Proxy({ a: 1 }, {
        deleteProperty: function () { return true; } }).a, true);

    /* getOwnPropertyDescriptor */
    var wt = {};
    Object.defineProperty(wt, "w", { value: 1, writable: true, configurable: false });
    eq("non-writable reported for a writable non-configurable one", T.throwsType(function () {
        Object.getOwnPropertyDescriptor(new Proxy(wt, {
            getOwnPropertyDescriptor: function () {
                return { value: 1, writable: false, configurable: false };
            }
        }), "w");
    }), true);
    eq("reported as it is", Object.getOwnPropertyDescriptor(new Proxy(wt, {
        getOwnPropertyDescriptor: function (t, k) { return Reflect.getOwnPropertyDescriptor(t, k); }
    }), "w"), { value: 1, writable: true, enumerable: false, configurable: false });

    /* defineProperty */
    eq("made non-writable over a writable non-configurable one", T.throwsType(function () {
        Object.defineProperty(new Proxy(wt, { defineProperty: function () { return true; } }), "w",
                              { writable: false });
    }), true);
    eq("writable stays", Reflect.defineProperty(new Proxy(wt, {
        defineProperty: function () { return true; } }), "w", { value: 2 }), true);

    /* Object.defineProperties */
    var seen = [], dt = {};
    var dp = new Proxy(dt, { defineProperty: function (t, k, d) {
        seen.push(k);
        return Reflect.defineProperty(t, k, d);
    } });
    eq("returns the proxy", Object.defineProperties(dp, { a: { value: 1, enumerable: true },
                                                          b: { get: function () { return 2; } } })
       === dp, true);
    eq("through the trap", seen, ["a", "b"]);
    eq("on the target", [dt.a, dt.b, Object.keys(dt)], [1, 2, ["a"]]);
    eq("a refusing trap throws", T.throwsType(function () {
        Object.defineProperties(new Proxy({}, { defineProperty: function () { return false; } }),
                                { x: { value: 1 } });
    }), true);
    var nt = {};
    Object.defineProperties(new Proxy(nt, {}), { q: { value: 3, enumerable: true } });
    eq("no trap: the target", Object.keys(nt), ["q"]);
})();
