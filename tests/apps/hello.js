// Hello world, greeting from env.GREETING when set.
module.exports = {
    fetch: function (request, env, ctx) {
        return new Response((env && env.GREETING) ? env.GREETING : "hello");
    }
};
