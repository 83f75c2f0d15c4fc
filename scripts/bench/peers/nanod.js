// nanod app (after common.js): Workers-style fetch handler.
export default {
    fetch: function (request) {
        if (pathOf(request.url) === "/json") {
            return Response.json(jsonBody(request.url));
        }
        return new Response("Hello World");
    }
};
