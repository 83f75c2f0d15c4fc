/* Settling (lazy/promise.js): resolve() and a then() handler's plain result
 * settle in place, without settle(); a promise with several reactions (two
 * then() on it: an array) still runs them all, in order, on every path:
 * resolved by its executor, a then() result fulfilled by its handler,
 * rejected. Orders as in Node 20. */
(function () {
    var eq = T.eq, log = [], later;
    var p = new Promise(function (res) { later = res; });
    p.then(function (v) { log.push("p1:" + v); });
    p.then(function (v) { log.push("p2:" + v); });
    later(5);

    var c = Promise.resolve(1).then(function (v) { return v + 1; });
    c.then(function (v) { log.push("c1:" + v); });
    c.then(function (v) { log.push("c2:" + v); });
    c.then(function (v) { log.push("c3:" + v); });

    var r = Promise.resolve(1).then(function () { throw new Error("x"); });
    r.then(null, function (e) { log.push("r1:" + e.message); });
    r.then(null, function (e) { log.push("r2:" + e.message); });

    /* one reaction only, and a chain three deep */
    var d = Promise.resolve(0).then(function (v) { return v + 1; })
        .then(function (v) { return v + 1; }).then(function (v) { log.push("d:" + v); });

    T.async("all ran in order", d.then(function () {
        return Promise.resolve().then(function () {
            eq("order", log, ["p1:5", "p2:5", "c1:2", "c2:2", "c3:2", "r1:x", "r2:x", "d:2"]);
        });
    }));
})();
