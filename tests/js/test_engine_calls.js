/* The executor patches of the hono work (duk-patches/61-*, 62-*; instanceof: 70-*) and the
 * property-table settings of worker/js/duk_overrides.h: `instanceof` skips
 * only the default @@hasInstance, closures keep every property they had,
 * objects that grow past the old and new table steps keep theirs. */
(function () {
    "use strict";
    var eq = T.eq;
    var throwsType = T.throwsType;
    function A() {}
    function B() {}
    B.prototype = Object.create(A.prototype);
    var calls = [], Odd, Bound, i, o, keys, strictFn, made;

    // 70-*: the ordinary path, inline.
    T.check("instanceof: own class", new A() instanceof A, true);
    T.check("instanceof: parent class", new B() instanceof A, true);
    T.check("instanceof: unrelated", new A() instanceof B, false);
    T.check("instanceof: primitive left", 1 instanceof Number, false);
    T.check("instanceof: built-in", [] instanceof Array, true);
    T.check("instanceof: non-callable right throws", throwsType(function () {
        return {} instanceof {};
    }), true);
    T.check("instanceof: prototype not an object throws", throwsType(function () {
        var F = function () {};
        F.prototype = 1;
        return {} instanceof F;
    }), true);
    Bound = A.bind(null);
    T.check("instanceof: bound function", new A() instanceof Bound, true);
    // A static [Symbol.hasInstance] of its own is still called, with the
    // constructor as this and the left side as argument.
    Odd = function () {};
    Object.defineProperty(Odd, Symbol.hasInstance, { value: function (v) {
        calls.push(this === Odd, v);
        return v === 42;
    } });
    T.check("instanceof: own @@hasInstance says true", 42 instanceof Odd, true);
    T.check("instanceof: own @@hasInstance says false", new Odd() instanceof Odd, false);
    eq("instanceof: own @@hasInstance called with this and value", calls.slice(0, 2),
       [true, 42]);
    T.check("instanceof: Function.prototype[@@hasInstance] called directly",
            Function.prototype[Symbol.hasInstance].call(A, new B()), true);
    // A subclass-like chain through Object.setPrototypeOf(F, G): F inherits
    // G's static @@hasInstance, not the default.
    var G = function () {};
    Object.defineProperty(G, Symbol.hasInstance, { value: function () { return true; } });
    var F2 = function () {};
    Object.setPrototypeOf(F2, G);
    T.check("instanceof: inherited custom @@hasInstance", 1 instanceof F2, true);

    // 61: a closure's properties, as before (values and attributes).
    strictFn = function (a, b) { return a + b; };
    keys = Object.getOwnPropertyNames(strictFn).sort();
    eq("strict closure: own properties", keys,
       ["fileName", "length", "prototype"]); // caller/arguments: Function.prototype's (82-*)
    T.check("strict closure: length", strictFn.length, 2);
    T.check("strict closure: caller throws", throwsType(function () {
        return strictFn.caller;
    }), true);
    T.check("strict closure: prototype.constructor", strictFn.prototype.constructor, strictFn);
    eq("strict closure: length descriptor",
       Object.getOwnPropertyDescriptor(strictFn, "length"),
       { value: 2, writable: false, enumerable: false, configurable: true });
    function named(x) { return x; }
    T.check("named function: name", named.name, "named");
    eq("named function: name descriptor", Object.getOwnPropertyDescriptor(named, "name"),
       { value: "named", writable: false, enumerable: false, configurable: true });
    var method = { m(a, b, c) { return c; } }.m;
    eq("method: own properties", Object.getOwnPropertyNames(method).sort(),
       ["fileName", "length", "name"]); // caller/arguments: Function.prototype's (82-*)
    T.check("method: no prototype", method.prototype, undefined);
    // Properties added later still go in (past the presized table).
    made = [];
    for (i = 0; i < 20; i++) {
        (function (k) {
            var f = function () { return k; };
            f.extra = k;
            f["x" + k] = k + 1;
            made.push(f);
        })(i);
    }
    T.check("closures with added properties", made[19]() + made[19].extra + made[19].x19, 58);
    T.check("a closure made in a loop sees its own binding", made[3](), 3);

    // 62: by-name lookups from a function without a scope object of its
    // own skip its _Varmap; names in catch clauses, shadowing, closures
    // over running and returned functions still resolve as before.
    var shadow = "outer";
    function viaCatch(v) {
        var local = "local";
        try {
            throw v;
        } catch (shadow) {
            return [shadow, local];
        }
    }
    eq("catch binding shadows the outer name", viaCatch("caught"), ["caught", "local"]);
    T.check("the outer name after the catch", shadow, "outer");
    function counter() {
        var n = 0;
        function inc() { n++; return n; }
        inc();
        return { inc: inc, peek: function () { return n; } };
    }
    var ctr = counter();
    ctr.inc();
    T.check("closure over a returned function's variable", ctr.peek(), 2);
    function args() {
        var a = arguments.length, inner = function () { return a + arguments.length; };
        return inner(1, 2);
    }
    T.check("arguments in a function and its closure", args(1, 2, 3), 5);
    function late() {
        return typeof laterName === "undefined" ? "unbound" : laterName;
    }
    T.check("a name bound nowhere", late(), "unbound");
    function deep() {
        var x = "x1";
        function f2() {
            function f3() { return x + shadow; }
            return f3();
        }
        return f2();
    }
    T.check("two scopes up, then the global", deep(), "x1outer");

    // duk_overrides.h: tables grow by (size + 16) / 4, hash part from 16
    // properties: objects crossing those sizes keep every property, in order.
    for (var n = 1; n <= 70; n += 3) {
        o = {};
        for (i = 0; i < n; i++) {
            o["k" + i] = i;
        }
        delete o.k0;
        o.last = n;
        keys = Object.keys(o);
        if (keys.length !== n || keys[keys.length - 1] !== "last" || ("k0" in o)
            || (n > 1 && o["k" + (n - 1)] !== n - 1)) {
            T.check("object with " + n + " properties", keys.join(), "all of them, in order");
        }
    }
    T.check("objects of 1..70 properties, one deleted", true, true);
    o = Object.create({ inherited: 1 });
    for (i = 0; i < 17; i++) {
        o["p" + i] = i;
    }
    T.check("lookup past 16 own properties reaches the prototype", o.inherited + o.p16, 17);
})();

