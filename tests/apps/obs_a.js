// Observability tests: status chosen by path; /loop spins until cpu_limit.
module.exports = {
    fetch: function (request) {
        var path = new URL(request.url).pathname;
        if (path === "/loop") {
            while (true) {}
        }
        if (path === "/missing") {
            return new Response("nope", { status: 404 });
        }
        if (path === "/throw") {
            throw new Error("boom");
        }
        return new Response("a:" + path);
    }
};
