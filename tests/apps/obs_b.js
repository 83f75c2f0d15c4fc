// Observability tests: answers every path itself (/metrics, /healthz too).
module.exports = {
    fetch: function (request) {
        return new Response("b:" + new URL(request.url).pathname, { status: 201 });
    }
};
