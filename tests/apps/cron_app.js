// Test app for tests/e2e/test_cron.py: every scheduled run is recorded upstream.
export default {
    fetch: function () {
        return new Response("cron app");
    },
    scheduled: function (event, env, ctx) {
        if (env.FAIL === "yes") {
            throw new Error("scheduled boom");
        }
        console.log("scheduled " + event.cron + " at " + event.scheduledTime);
        ctx.waitUntil(fetch(env.UP + "/record?cron=" + encodeURIComponent(event.cron) + "&t="
                            + event.scheduledTime + "&type=" + event.type + "&app=" + env.NAME));
    }
};
