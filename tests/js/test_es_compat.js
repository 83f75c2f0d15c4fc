/* ES2015-ES2024 behaviour real npm libraries rely on (issue 18): engine
 * patches (worker/js/duk-patches/4x-*) and the lazy es-typed/es-modern
 * polyfills, in a real heap. */
(function () {
    var eq = T.eq;

    /* { __proto__: v } in an object literal sets the prototype. */
    var base = { hello: function () { return "hi " + this.n; } };
    var o = { n: 1, __proto__: base, m: 2 };
    eq("objlit __proto__ sets the prototype", [Object.getPrototypeOf(o) === base, o.hello(),
       Object.keys(o)], [true, "hi 1", ["n", "m"]]);
    eq("objlit \"__proto__\" string key too", Object.getPrototypeOf({ "__proto__": base }) === base,
       true);
    eq("objlit __proto__: null", Object.getPrototypeOf({ __proto__: null }), null);
    eq("objlit __proto__: 5 is ignored", Object.getPrototypeOf({ __proto__: 5 }) === Object.prototype,
       true);
    var k = "__proto__", c = {};
    c = { [k]: 7 };
    eq("computed [\"__proto__\"] stays an own property",
       [Object.prototype.hasOwnProperty.call(c, "__proto__"), Object.getPrototypeOf(c) === Object.prototype],
       [true, true]);

    /* A Proxy in the prototype chain gets [[Get]] with the original receiver. */
    var seen = [];
    var router = {
        __proto__: new Proxy({}, {
            get: function (target, prop, receiver) {
                seen.push(String(prop));
                return function () { return receiver; };
            }
        }),
        own: 1
    };
    eq("proxy in the chain: trap called, receiver is the object",
       [router.get("/x") === router, router.own, seen], [true, 1, ["get"]]);
    var plain = Object.create(new Proxy({ t: 3 }, {}));
    eq("proxy in the chain without a get trap: its target", plain.t, 3);
    var deep = Object.create(Object.create(new Proxy({}, { get: function () { return 9; } })));
    eq("proxy two levels up", deep.anything, 9);

    /* Error cause */
    var e = new Error("outer", { cause: "inner" });
    eq("Error cause", [e.cause, Object.keys(e), e.message], ["inner", [], "outer"]);
    eq("TypeError cause", new TypeError("t", { cause: 1 }).cause, 1);
    eq("no cause without the option", "cause" in new Error("x", {}), false);
    eq("Error.length stays 1", Error.length, 1);

    /* Typed arrays */
    var u = Uint8Array.from([3, 1, 2]);
    eq("Uint8Array.from/of", [Array.prototype.slice.call(u), Array.prototype.slice.call(Uint16Array.of(7, 8))],
       [[3, 1, 2], [7, 8]]);
    eq("typed slice/map/fill", [Array.prototype.slice.call(u.slice(1)),
       Array.prototype.slice.call(u.map(function (x) { return x * 2; })),
       Array.prototype.slice.call(new Uint8Array(3).fill(7))], [[1, 2], [6, 2, 4], [7, 7, 7]]);
    function each(iterable) {      /* for-of, as Babel lowers it */
        var iter = iterable[Symbol.iterator](), out = [], r;
        while (!(r = iter.next()).done) { out.push(r.value); }
        return out;
    }
    var it = each(new Int16Array([5, -6]));
    eq("typed iteration", [it, Array.from(new Float64Array([0.5]))], [[5, -6], [0.5]]);
    eq("typed join/indexOf/includes/sort", [u.join("-"), u.indexOf(2), u.includes(9),
       Array.prototype.slice.call(u.slice().sort())], ["3-1-2", 2, false, [1, 2, 3]]);
    eq("typed toSorted/with/at", [Array.prototype.slice.call(u.toSorted()),
       Array.prototype.slice.call(u.with(0, 9)), u.at(-1)], [[1, 2, 3], [9, 1, 2], 2]);
    eq("typed slice keeps the type", u.slice(0, 1) instanceof Uint8Array, true);

    /* ES2023 arrays, Object.groupBy, matchAll */
    var a = [3, 1, 2];
    eq("toSorted/toReversed/with/toSpliced", [a.toSorted(), a.toReversed(), a.with(1, 0),
       a.toSpliced(0, 1), a], [[1, 2, 3], [2, 1, 3], [3, 0, 2], [1, 2], [3, 1, 2]]);
    eq("findLast", [a.findLast(function (v) { return v > 1; }), a.findLastIndex(function (v) {
        return v > 5; })], [2, -1]);
    eq("Object.groupBy", Object.groupBy([1, 2, 3, 4], function (v) { return v % 2 ? "odd" : "even"; }),
       { odd: [1, 3], even: [2, 4] });
    var ms = each("a1b22c333".matchAll(/\d+/g)).map(function (m) { return m[0] + "@" + m.index; });
    eq("matchAll", ms, ["1@1", "22@3", "333@6"]);
})();
(function () {
    var eq = T.eq;
    function throws(name, fn, errName, text) {
        try {
            fn();
        } catch (e) {
            if (e.name === errName && String(e.message).indexOf(text) !== -1) {
                T.ok(name);
            } else {
                T.fail(name, "threw " + e.name + ": " + e.message);
            }
            return;
        }
        T.fail(name, "did not throw");
    }
    /* BigInt exists (libraries build constants at load); arithmetic says why not. */
    eq("BigInt(v) keeps the digits", [String(BigInt("-9223372036854775808")), String(BigInt(42)),
       String(BigInt(" 007 ")), String(BigInt(true)), typeof BigInt], [
       "-9223372036854775808", "42", "7", "1", "function"]);
    throws("BigInt arithmetic names the limitation", function () { return BigInt(1) + 1; },
           "TypeError", "BigInt arithmetic is not supported by nanod's JavaScript engine");
    /* hex/octal/binary strings (the build writes 0x...n literals so): node's
     * BigInt("0x428a2f98d728ae22") is 4794697086780616226n */
    eq("BigInt('0x...'/'0o...'/'0b...') in decimal", [String(BigInt("0x428a2f98d728ae22")),
       String(BigInt("0XFF")), String(BigInt("0o777")), String(BigInt("0b1011")),
       String(BigInt("0x0")), String(BigInt("0xffffffffffffffffffffffffffffffff"))], [
       "4794697086780616226", "255", "511", "11", "0", "340282366920938463463374607431768211455"]);
    throws("BigInt('0x') is a SyntaxError", function () { return BigInt("0x"); }, "SyntaxError",
           "Cannot convert 0x");
    throws("BigInt('0b102') is a SyntaxError", function () { return BigInt("0b102"); },
           "SyntaxError", "Cannot convert 0b102");
    throws("BigInt('-0x1') is a SyntaxError", function () { return BigInt("-0x1"); },
           "SyntaxError", "Cannot convert -0x1");
    throws("BigInt(1.5) is a RangeError", function () { return BigInt(1.5); }, "RangeError",
           "not an integer");
    throws("BigInt('x') is a SyntaxError", function () { return BigInt("x"); }, "SyntaxError",
           "Cannot convert x");
    throws("JSON.stringify(BigInt) throws", function () { return JSON.stringify([BigInt(1)]); },
           "TypeError", "serialize a BigInt");
    throws("new BigInt throws", function () { return new BigInt(1); }, "TypeError",
           "not a constructor");
    /* As on Workers */
    eq("navigator.userAgent", navigator.userAgent, "Cloudflare-Workers");
    throws("new Function is refused", function () { return new Function("return 1"); },
           "EvalError", "as on Cloudflare Workers");
})();
(function () {
    var eq = T.eq;
    /* en-US, as Node prints these (no Intl in the engine) */
    eq("Number toLocaleString en-US", [(1234.5).toLocaleString("en-US"), (0).toLocaleString(),
       (-1234567.891234).toLocaleString(), (1e21).toLocaleString(), (0.1 + 0.2).toLocaleString(),
       (999).toLocaleString(), (-0).toLocaleString(), NaN.toLocaleString(),
       (-1 / 0).toLocaleString()],
       ["1,234.5", "0", "-1,234,567.891", "1,000,000,000,000,000,000,000", "0.3", "999", "-0",
        "NaN", "-\u221e"]);
    try {
        console.table([{ a: 1, b: "x" }, { a: 2 }]);
        console.table({ x: 1 }, ["a"]);
        console.table("not tabular");
        T.ok("console.table logs without throwing");
    } catch (e) {
        T.fail("console.table logs without throwing", String(e));
    }
})();
