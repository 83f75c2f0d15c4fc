/*
 * Cron: worker/scheduler.c calls lib.runScheduled(id, cron, scheduledTime) as a
 * macrotask; the app's scheduled(controller, env, ctx) handler (found by
 * 90-dispatch.js as lib.scheduledHandler) runs as invocation id, and its
 * result is waited for like ctx.waitUntil(). Errors are logged.
 *
 * provides: lib: runScheduled
 */
function (native, global, lib) {
    "use strict";

    lib.runScheduled = function (id, cron, scheduledTime) {
        var handler = lib.scheduledHandler, controller, ctx, r, finish;
        var where = "scheduled handler (cron \"" + cron + "\")";
        if (typeof handler !== "function") {
            lib.reportError(new Error("the app has a cron schedule but no scheduled handler "
                                      + "(export default { scheduled(controller, env, ctx) {...} }"
                                      + ")"), where);
            return;
        }
        controller = { type: "scheduled", cron: cron, scheduledTime: scheduledTime,
                       noRetry: function () {} };
        ctx = lib.Context ? new lib.Context(id) : {
            waitUntil: function (p) { lib.waitUntil(id, p); },
            passThroughOnException: function () {}
        };
        lib.currentRequest = id;
        /* The invocation is live from here until the handler's result settles. */
        lib.waitUntil(id, new lib.Promise(function (resolve) { finish = resolve; }));
        try {
            r = handler(controller, lib.env, ctx);
        } catch (e) {
            lib.reportError(e, where + " threw");
            finish();
            return;
        }
        finish(lib.Promise.resolve(r).then(undefined, function (e) {
            lib.reportError(e, where + " failed");
        }));
    };
}
