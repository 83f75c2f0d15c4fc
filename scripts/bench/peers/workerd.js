// workerd ES module (after common.js): the same fetch handler as nanod.js.
export default {
    fetch: function (request) {
        if (pathOf(request.url) === "/json") {
            return Response.json(jsonBody(request.url));
        }
        return new Response("Hello World");
    }
};
