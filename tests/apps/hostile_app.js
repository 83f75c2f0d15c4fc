// Tries to break out: response splitting, bad statuses, Upgrade, and
// reading other tenants' state. Each path reports what happened.
var mine = "secret-of-" + (typeof env === "undefined" ? "?" : "x");
globalThis.sharedProbe = (globalThis.sharedProbe || 0) + 1;
module.exports = {
    fetch: function (request, env) {
        var u = request.url, p = u.substring(u.indexOf("/", 8));
        function attempt(fn) {
            try { fn(); return "allowed"; } catch (e) { return e.name; }
        }
        if (p === "/split") {
            return Response.json({
                crlfValue: attempt(function () { new Headers({ "x-a": "v\r\nSet-Cookie: evil=1" }); }),
                lfValue: attempt(function () { new Headers({ "x-a": "v\nx" }); }),
                nulValue: attempt(function () { new Headers({ "x-a": "v\u0000x" }); }),
                badName: attempt(function () { new Headers({ "x a": "v" }); }),
                colonName: attempt(function () { new Headers({ "x:a": "v" }); }),
                setCrlf: attempt(function () { new Headers().set("x-a", "a\r\nb"); }),
                status101: attempt(function () { new Response(null, { status: 101 }); }),
                status600: attempt(function () { new Response("x", { status: 600 }); }),
                status199: attempt(function () { new Response("x", { status: 199 }); })
            });
        }
        if (p === "/upgrade") {
            return new Response("no", { headers: { "Upgrade": "websocket", "Connection": "upgrade" } });
        }
        if (p === "/set") {
            globalThis.tenantSecret = env.SECRET;
            return new Response("set");
        }
        return Response.json({
            sawSecret: typeof globalThis.tenantSecret === "undefined" ? null : globalThis.tenantSecret,
            envSecret: env.SECRET,
            probe: globalThis.sharedProbe
        });
    }
};
