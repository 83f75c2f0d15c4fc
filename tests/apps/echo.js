// POST body echo: the response body is the request body, as text.
module.exports = {
    fetch: function (request, env, ctx) {
        return request.text().then(function (t) {
            return new Response(t);
        });
    }
};
