// One response feature per path.
function pathOf(url) {
    return url.replace(/^[a-zA-Z]+:\/\/[^\/]*/, "").split("?")[0];
}

module.exports = {
    fetch: function (request, env, ctx) {
        var p = pathOf(request.url);
        if (p === "/status") {
            return new Response("created", { status: 201, headers: { "x-a": "1", "X-Multi-Word": "v" } });
        }
        if (p === "/reason") {
            return new Response("ok", { status: 200, statusText: "All Good \u00e9" });
        }
        if (p === "/teapot") {
            return new Response("short and stout", { status: 418 });
        }
        if (p === "/json") {
            return Response.json({ a: 1, b: "two", c: [true, null], d: "h\u00e9llo \u2713" });
        }
        if (p === "/promise") {
            return Promise.resolve(new Response("resolved"));
        }
        if (p === "/promise-new") {
            return new Promise(function (resolve) {
                resolve(new Response("constructed", { status: 202 }));
            });
        }
        if (p === "/promise-chain") {
            return Promise.resolve(1).then(function (n) {
                return n + 1;
            }).then(function (n) {
                return new Response("chain " + n);
            });
        }
        if (p === "/text-then") {
            return request.text().then(function (t) {
                return new Response("len " + t.length);
            });
        }
        return new Response("not here", { status: 404 });
    }
};
