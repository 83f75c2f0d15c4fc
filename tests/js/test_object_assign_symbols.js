/* Object.assign copies own enumerable symbol keys (ES2015 19.1.2.1;
 * duk-patches/123): Duktape copied string keys only. Values are the ones
 * Node 20 gives. */
(function () {
    var eq = T.eq;
    var s1 = Symbol("one"), s2 = Symbol.for("two"), hidden = Symbol("hidden");
    var src = { a: 1 }, order = [], out, target;

    src[s1] = "sym";
    src[s2] = "global";
    Object.defineProperty(src, hidden, { value: "not enumerable", enumerable: false });
    out = Object.assign({}, src);
    eq("symbols copied", [out[s1], out[s2], out.a], ["sym", "global", 1]);
    eq("non-enumerable symbol left out", Object.prototype.hasOwnProperty.call(out, hidden), false);
    eq("own symbols of the copy", Object.getOwnPropertySymbols(out).length, 2);

    // The order of the [[Get]]s and [[Set]]s: string keys, then symbols, each in
    // creation order; getters run once.
    var g = {};
    Object.defineProperty(g, s1, { enumerable: true, get: function () { order.push("get s1"); return 1; } });
    Object.defineProperty(g, "b", { enumerable: true, get: function () { order.push("get b"); return 2; } });
    Object.defineProperty(g, "1", { enumerable: true, get: function () { order.push("get 1"); return 3; } });
    target = {};
    Object.defineProperty(target, s1, { set: function (v) { order.push("set s1=" + v); } });
    Object.assign(target, g);
    eq("order: indices, strings, symbols", order, ["get 1", "get b", "get s1", "set s1=1"]);

    // Inherited and prototype symbols are not own: not copied.
    var proto = {};
    proto[s1] = "inherited";
    eq("inherited symbol not copied",
       Object.prototype.hasOwnProperty.call(Object.assign({}, Object.create(proto)), s1), false);
    // Primitives: a string's indices are copied, a symbol primitive has nothing.
    eq("string source", Object.assign({}, "ab"), { 0: "a", 1: "b" });
    eq("symbol source", Object.getOwnPropertySymbols(Object.assign({}, s1)).length, 0);
    // A frozen target throws once a copy is attempted.
    T.check("frozen target", T.errName(function () { Object.assign(Object.freeze({}), src); }), "TypeError");
    // Spread lowered by Babel goes through its own helper; Object.assign is the API.
    var c = Object.assign({}, { x: 1 }, null, undefined, (function () { var o = {}; o[s2] = 2; return o; })());
    eq("several sources", [c.x, c[s2]], [1, 2]);
})();
