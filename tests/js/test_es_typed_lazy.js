/* es-typed loads through native.lazyInterpose's Proxy (a lookup that misses
 * on the typed arrays' shared prototype), not only through Uint8Array.from:
 * this file must run in a heap where nothing touched typed arrays before. */
(function () {
    var eq = T.eq;
    var taProto = Object.getPrototypeOf(Uint8Array.prototype);
    var u = new Uint8Array([1, 2, 3]);
    eq("before: Object.prototype's own names still read through", [
        u.hasOwnProperty("0"), typeof u.isPrototypeOf, Object.getPrototypeOf(taProto) !== null],
       [true, "function", true]);
    eq("a missing method loads es-typed", Array.prototype.slice.call(u.slice(1)), [2, 3]);
    eq("after: Object.prototype is back in the chain",
       Object.getPrototypeOf(taProto) === Object.prototype, true);
    eq("toString is the typed array's", new Int8Array([4, -5]).toString(), "4,-5");
    eq("iteration", Array.from(new Uint16Array([7, 8])), [7, 8]);
})();
