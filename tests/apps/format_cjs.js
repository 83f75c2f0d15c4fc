// Format 1: CommonJS module.exports.
module.exports = {
    fetch: function (request, env, ctx) {
        return new Response("format cjs");
    }
};
