// For the graceful stop and drain tests: GET /slow logs "slow request started",
// then keeps the CPU busy for about 700 ms (run it with cpu_limit raised);
// anything else answers at once.
module.exports = {
    fetch: function (request, env, ctx) {
        if (request.url.indexOf("/slow") >= 0) {
            console.log("slow request started");
            var t0 = Date.now();
            while (Date.now() - t0 < 700) {
                /* busy */
            }
            return new Response("slow done");
        }
        return new Response("fast");
    }
};
