// A Workers-style app: `export default { fetch }` (module.exports and
// addEventListener("fetch", ...) work too). The engine is ES5 plus a few ES2015
// bits: use function expressions, var, and string concatenation.
export default {
    fetch: function (request, env, ctx) {
        var url = request.url;
        if (url.indexOf("/json") >= 0) {
            return Response.json({ greeting: env.GREETING, method: request.method, url: url });
        }
        return new Response(env.GREETING + "\n", {
            headers: { "x-powered-by": "nanod" }
        });
    }
};
