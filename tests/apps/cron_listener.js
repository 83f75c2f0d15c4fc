// Service-worker format scheduled handler (tests/e2e/test_cron.py).
addEventListener("scheduled", function (event) {
    event.waitUntil(fetch(UP_URL + "/record?cron=" + encodeURIComponent(event.cron)
                          + "&app=listener"));
});
addEventListener("fetch", function (event) {
    event.respondWith(new Response("listener app"));
});
