// Format 3: service-worker style event listener.
addEventListener("fetch", function (event) {
    event.respondWith(new Response("format sw"));
});
