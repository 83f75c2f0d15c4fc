// Format 2: ES module default export (the object itself is ES5).
export default {
    fetch: function (request, env, ctx) {
        return new Response("format esm");
    }
};
