// Answers with a JSON description of the request it got.
module.exports = {
    fetch: function (request, env, ctx) {
        var out = {
            method: request.method,
            url: request.url,
            xTest: request.headers.get("X-Test"),
            xTestLower: request.headers.get("x-test"),
            xTestUpper: request.headers.get("X-TEST"),
            missing: request.headers.get("x-not-sent"),
            envType: typeof env,
            ctxType: typeof ctx
        };
        return new Response(JSON.stringify(out), {
            headers: { "content-type": "application/json" }
        });
    }
};
