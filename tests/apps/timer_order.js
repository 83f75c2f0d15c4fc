// Test app for tests/e2e/test_timers.py.
function done(log) {
    return new Response(JSON.stringify(log), { headers: { "content-type": "application/json" } });
}

var routes = {
    // setTimeout/setInterval ordering, microtasks between macrotasks, extra args
    "/order": function () {
        return new Promise(function (resolve) {
            var log = [], n = 0, iv;
            setTimeout(function (a, b) { log.push("t80:" + a + b); }, 80, "x", "y");
            setTimeout(function () {
                log.push("t0a");
                Promise.resolve().then(function () { log.push("micro-after-t0a"); });
                setTimeout(function () { log.push("nested0"); }, 0);
            }, 0);
            setTimeout(function () { log.push("t0b"); }, 0);
            setTimeout(function () { log.push("t40"); }, 40);
            var gone = setTimeout(function () { log.push("cleared!"); }, 1);
            clearTimeout(gone);
            iv = setInterval(function () {
                log.push("iv" + (++n));
                if (n === 3) {
                    clearInterval(iv);
                }
            }, 120);
            Promise.resolve().then(function () { log.push("micro"); });
            setTimeout(function () { resolve(done({ log: log, ids: [typeof gone, gone > 0] })); },
                       600);
        });
    },
    // 10 nested setTimeout(0): past level 5 each waits >= 4 ms
    "/nested": function () {
        return new Promise(function (resolve) {
            var t0 = Date.now(), k = 0;
            function step() {
                if (++k === 10) {
                    resolve(done({ ms: Date.now() - t0 }));
                } else {
                    setTimeout(step, 0);
                }
            }
            setTimeout(step, 0);
        });
    },
    // a timer whose request is answered without waitUntil never fires
    "/orphan": function (request, env) {
        setTimeout(function () { console.log("orphan timer fired"); }, 50);
        return done({ ok: true });
    },
    // waitUntil work completes after the response
    "/wait": function (request, env, ctx) {
        var q = new URL(request.url).searchParams;
        ctx.waitUntil(new Promise(function (resolve) {
            setTimeout(function () {
                fetch(env.UP + "/record?what=" + q.get("what")).then(function () {
                    console.log("waitUntil done " + q.get("what"));
                    resolve();
                });
            }, +(q.get("ms") || 300));
        }));
        ctx.passThroughOnException();
        return done({ sent: true });
    },
    // a waitUntil promise that never settles
    "/forever": function (request, env, ctx) {
        ctx.waitUntil(new Promise(function () {}));
        return done({ sent: true });
    },
    "/throws": function () {
        return new Promise(function (resolve) {
            setTimeout(function () { throw new Error("boom in a timer"); }, 0);
            setTimeout(function () { resolve(done({ after: true })); }, 20);
        });
    },
    // a request that times out with timers pending
    "/stuck": function () {
        setTimeout(function () { console.log("stuck timer fired"); }, 400);
        return new Promise(function () {});
    },
    "/string": function () {
        try {
            setTimeout("console.log(1)", 0);
            return done({ threw: false });
        } catch (e) {
            return done({ threw: e.name });
        }
    }
};

module.exports = {
    fetch: function (request, env, ctx) {
        var path = new URL(request.url).pathname;
        return routes[path] ? routes[path](request, env, ctx) : new Response("?", { status: 404 });
    }
};
