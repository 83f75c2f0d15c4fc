// A script that does not compile: the reload tests expect the error at line 5.
module.exports = {
    fetch: function (request, env, ctx) {
        return new Response("never");
        var = ;
    }
};
