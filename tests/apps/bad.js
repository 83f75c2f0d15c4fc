// Fails on purpose: /throw throws, /reject returns a rejected promise,
// /reject-later rejects after a then(); anything else answers "bad-ok".
function pathOf(url) {
    return url.replace(/^[a-zA-Z]+:\/\/[^\/]*/, "").split("?")[0];
}

function thrower() {
    throw new Error("boom-throw");
}

module.exports = {
    fetch: function (request, env, ctx) {
        var p = pathOf(request.url);
        if (p === "/throw") {
            thrower();
        }
        if (p === "/reject") {
            return Promise.reject(new Error("boom-reject"));
        }
        if (p === "/reject-later") {
            return Promise.resolve(1).then(function () {
                throw new Error("boom-later");
            });
        }
        return new Response("bad-ok");
    }
};
