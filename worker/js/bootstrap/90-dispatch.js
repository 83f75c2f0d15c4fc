/*
 * The bridge C calls: lib.load() after the app script ran (finds the handler
 * and hands it to C), lib.dispatch() (native.dispatch, in C) per request.
 * Three app formats are accepted:
 *   module.exports = { fetch: function (request, env, ctx) {...} }
 *   export default { fetch ... }        (rewritten to module.exports = by the loader)
 *   addEventListener("fetch", function (event) { event.respondWith(...) })
 * addEventListener, FetchEvent, the scheduled-handler search and the slow
 * ends of a request (lib.settle, lib.fail) are lazy/dispatch.js, loaded on
 * first use.
 */
function (native, global, lib) {
    "use strict";
    var Response = lib.Response, IncomingRequest = lib.IncomingRequest;
    var respond = lib.respond, jobs = lib.jobs, unhandled = lib.unhandled;
    var handler = null, handlerThis = null;

    var module = { exports: {} };
    lib.define(global, "module", module);
    lib.define(global, "exports", module.exports);

    /* Has the app a scheduled handler (or listener)? Then find it. */
    function hasScheduled(ex) {
        var d = ex && ex["default"];
        return (ex && typeof ex.scheduled === "function")
            || (d && typeof d.scheduled === "function")
            || (lib.listeners !== undefined && lib.listeners.scheduled.length > 0);
    }

    /* After the script ran: "" when a handler was found, else why not. */
    lib.load = function () {
        var ex = module.exports, d;
        lib.scheduledHandler = hasScheduled(ex) ? lib.findScheduled(ex) : null;
        if (ex && typeof ex.fetch === "function") {
            handler = ex.fetch;
            handlerThis = ex;
        } else if (ex && (d = ex["default"]) && typeof d.fetch === "function") {
            handler = d.fetch;
            handlerThis = d;
        } else if (lib.listeners !== undefined && lib.listeners.fetch.length > 0) {
            handler = lib.listenerHandler;
            handlerThis = global;
        } else if (lib.scheduledHandler !== null) {
            handler = function () {
                throw new Error("this app has no fetch handler (only scheduled)");
            };
            handlerThis = global;
        } else {
            return "the script defines no fetch handler: use module.exports = { fetch: "
                + "function (request, env, ctx) {...} }, export default { fetch ... } or "
                + "addEventListener(\"fetch\", ...)";
        }
        native.dispatchInit(handler, handlerThis, lib.env, IncomingRequest.prototype,
                            Context.prototype, Response.prototype, respond, jobs, unhandled);
        return "";
    };

    function Context(id) {
        this._id = id;
    }
    Context.prototype.waitUntil = function (p) {
        lib.waitUntil(this._id, p);
    };
    Context.prototype.passThroughOnException = function () {};
    lib.Context = Context;

    /* One request: C -> native.dispatch (bind_http.c), which does in C what
     * this did in JS (each JS call, constructor and closure-variable lookup
     * costs Duktape 0.05-0.2 us):
     *   var req = new IncomingRequest(method, url, raw, body), r;
     *   lib.currentRequest = id;        // timers and fetch() belong to it
     *   try { r = handler.call(handlerThis, req, lib.env, new Context(id)); }
     *   catch (e) { lib.fail(id, e); lib.drain(); lib.currentRequest = -1; return; }
     *   if (r instanceof Response) { respond(id, r); } else { lib.settle(id, r); }
     *   if (jobs.length !== 0 || unhandled.length !== 0) { lib.drain(); }
     *   lib.currentRequest = -1;
     * The answer goes back through native.respond/fail. */
    lib.dispatch = native.dispatch;
}
