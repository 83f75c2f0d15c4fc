// nanod app (after common.js): Workers-style fetch handler.
export default {
    fetch: function (request) {
        var p = pathOf(request.url);
        if (p === "/json") {
            return Response.json(jsonBody(request.url));
        }
        if (p === "/url" || p === "/url/json") {
            return urlFetch(request);
        }
        return new Response("Hello World");
    }
};
