// Reports its env bindings.
module.exports = {
    fetch: function (request, env, ctx) {
        return new Response(JSON.stringify({
            greeting: env.GREETING,
            other: env.OTHER,
            absent: typeof env.ABSENT
        }), { headers: { "content-type": "application/json" } });
    }
};
