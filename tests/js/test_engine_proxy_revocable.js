/* duk-patches/100: Proxy.revocable(target, handler) -> { proxy, revoke };
 * after revoke() every operation on the proxy throws a TypeError, and a
 * second revoke() does nothing (ES2015 26.2.2.1). */
(function () {
    "use strict";
    var eq = T.eq;
    var target = { a: 1 }, log = [];
    var r = Proxy.revocable(target, {
        get: function (t, k) { log.push("get " + String(k)); return t[k]; }
    });

    eq("a function of Proxy", [typeof Proxy.revocable, Proxy.revocable.length], ["function", 2]);
    eq("result keys", Object.keys(r), ["proxy", "revoke"]);
    eq("revoke is a function of length 0", [typeof r.revoke, r.revoke.length], ["function", 0]);
    eq("the proxy works before revoke", [r.proxy.a, "a" in r.proxy, r.proxy.b], [1, true,
                                                                                undefined]);
    eq("traps were called", log, ["get a", "get b"]);
    r.proxy.c = 3;
    eq("a set reaches the target", target.c, 3);
    eq("revoke returns undefined", r.revoke(), undefined);
    eq("get throws", T.throwsType(function () { return r.proxy.a; }), true);
    eq("set throws", T.throwsType(function () { r.proxy.a = 2; }), true);
    eq("has throws", T.throwsType(function () { return "a" in r.proxy; }), true);
    eq("delete throws", T.throwsType(function () { delete r.proxy.a; }), true);
    eq("keys throws", T.throwsType(function () { return Object.keys(r.proxy); }), true);
    eq("for-in throws", T.throwsType(function () { for (var k in r.proxy) { log.push(k); } }),
       true);
    eq("the message says revoked", (function () {
        try { return r.proxy.a; } catch (e) { return /revoked/.test(e.message); }
    })(), true);
    eq("a second revoke does nothing", r.revoke(), undefined);
    eq("still revoked", T.throwsType(function () { return r.proxy.a; }), true);
    eq("the target is untouched", [target.a, target.c], [1, 3]);
    eq("traps not called after revoke", log.length, 2);

    /* a function target: call and construct throw too */
    var f = Proxy.revocable(function (x) { return x + 1; }, {});
    eq("call before", f.proxy(1), 2);
    f.revoke();
    eq("call after", T.throwsType(function () { return f.proxy(1); }), true);
    eq("new after", T.throwsType(function () { return new f.proxy(); }), true);
    eq("typeof stays", typeof f.proxy, "function");

    /* revoking one leaves another alone; a proxy in a prototype chain */
    var a = Proxy.revocable({ x: "a" }, {}), b = Proxy.revocable({ x: "b" }, {});
    var child = Object.create(b.proxy);
    a.revoke();
    eq("the other still works", [b.proxy.x, child.x], ["b", "b"]);
    b.revoke();
    eq("a revoked proxy in a chain throws", T.throwsType(function () { return child.x; }), true);

    /* arguments: non-objects throw; a proxy's own revoke is not shared */
    eq("non-object target", T.throwsType(function () { Proxy.revocable(1, {}); }), true);
    eq("non-object handler", T.throwsType(function () { Proxy.revocable({}, null); }), true);
    var many = [], i;
    for (i = 0; i < 200; i++) {
        many.push(Proxy.revocable({ i: i }, {}));
    }
    for (i = 0; i < 200; i += 2) {
        many[i].revoke();
    }
    eq("each revoke only its own", [many[1].proxy.i, many[199].proxy.i,
                                     T.throwsType(function () { return many[0].proxy.i; })],
       [1, 199, true]);
    /* the revoked state is per heap and cannot be reached or changed */
    eq("nothing to see on the revoke function", Object.getOwnPropertyNames(many[0].revoke)
       .indexOf("ndRevocableProxy"), -1);
    /* revoked by the proxy's own trap, or by a getter of its handler, while an
     * operation runs: the operation goes on with the target it started with
     * (ES2015 reads [[ProxyTarget]] once), which must still be alive then (a
     * use after free under ASan before duk-patches/105) */
    function revokedIn(trap, op) {
        var r = Proxy.revocable({ a: 1, b: 2 }, {}), h = {};
        h[trap] = function (t) { r.revoke(); return ["a", "b"]; };
        r = Proxy.revocable({ a: 1, b: 2 }, h);
        try {
            return op(r.proxy);
        } catch (e) {
            return e.name;
        }
    }
    /* Object.keys and for-in then ask the revoked proxy for the descriptors */
    eq("ownKeys revokes: Object.keys", revokedIn("ownKeys", Object.keys), "TypeError");
    eq("ownKeys revokes: Reflect.ownKeys", revokedIn("ownKeys", Reflect.ownKeys), ["a", "b"]);
    eq("ownKeys revokes: getOwnPropertyNames", revokedIn("ownKeys", Object.getOwnPropertyNames),
       ["a", "b"]);
    eq("ownKeys revokes: for-in", revokedIn("ownKeys", function (p) {
        var k, out = [];
        for (k in p) { out.push(k); }
        return out;
    }), "TypeError");
    var rg, hg = {};
    Object.defineProperty(hg, "get", { get: function () {
        rg.revoke();
        rg = null;
        return function (t, k) { return t[k]; };
    } });
    rg = Proxy.revocable({ x: "kept" }, hg);
    var pg = rg.proxy;
    eq("a handler getter revokes: its trap gets the target", pg.x, "kept");
    eq("then it is revoked", T.throwsType(function () { return pg.x; }), true);
})();
