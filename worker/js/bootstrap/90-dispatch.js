/*
 * The bridge C calls: lib.load() after the app script ran (finds the handler),
 * lib.dispatch() per request. Three app formats are accepted:
 *   module.exports = { fetch: function (request, env, ctx) {...} }
 *   export default { fetch ... }        (rewritten to module.exports = by the loader)
 *   addEventListener("fetch", function (event) { event.respondWith(...) })
 */
function (native, global, lib) {
    "use strict";
    var Response = lib.Response, IncomingRequest = lib.IncomingRequest;
    var respond = lib.respond, jobs = lib.jobs, unhandled = lib.unhandled;
    var fetchListeners = [], scheduledListeners = [];
    var handler = null, handlerThis = null;

    lib.define(global, "addEventListener", function addEventListener(type, listener) {
        if (typeof listener !== "function" && !(listener && typeof listener.handleEvent
                                                 === "function")) {
            throw new TypeError("addEventListener: listener is not a function");
        }
        if (type === "fetch") {
            fetchListeners.push(listener);
        } else if (type === "scheduled") {
            scheduledListeners.push(listener);
        }
    });
    var module = { exports: {} };
    lib.define(global, "module", module);
    lib.define(global, "exports", module.exports);

    function FetchEvent(request, ctx) {
        this.type = "fetch";
        this.request = request;
        this._ctx = ctx;
        this._response = undefined;
        this._responded = false;
    }
    FetchEvent.prototype.respondWith = function (r) {
        if (this._responded) {
            throw new Error("FetchEvent.respondWith() was already called");
        }
        this._responded = true;
        this._response = r;
    };
    FetchEvent.prototype.waitUntil = function (p) {
        this._ctx.waitUntil(p);
    };
    FetchEvent.prototype.passThroughOnException = function () {};

    function listenerHandler(request, env, ctx) {
        var ev = new FetchEvent(request, ctx), i, l;
        for (i = 0; i < fetchListeners.length; i++) {
            l = fetchListeners[i];
            if (typeof l === "function") {
                l.call(global, ev);
            } else {
                l.handleEvent(ev);
            }
        }
        if (!ev._responded) {
            throw new Error("no response: the fetch event listener did not call "
                            + "event.respondWith()");
        }
        return ev._response;
    }

    /* scheduled(controller, env, ctx) for lazy/scheduled.js, or null. */
    function findScheduled(ex) {
        var d = ex && ex["default"];
        if (ex && typeof ex.scheduled === "function") {
            return function (c, env, ctx) { return ex.scheduled(c, env, ctx); };
        }
        if (d && typeof d.scheduled === "function") {
            return function (c, env, ctx) { return d.scheduled(c, env, ctx); };
        }
        if (scheduledListeners.length > 0) {
            return function (c, env, ctx) {
                var ev = { type: "scheduled", cron: c.cron, scheduledTime: c.scheduledTime,
                           noRetry: function () {},
                           waitUntil: function (p) { ctx.waitUntil(p); } }, i, l;
                for (i = 0; i < scheduledListeners.length; i++) {
                    l = scheduledListeners[i];
                    if (typeof l === "function") {
                        l.call(global, ev);
                    } else {
                        l.handleEvent(ev);
                    }
                }
            };
        }
        return null;
    }

    /* After the script ran: "" when a handler was found, else why not. */
    lib.load = function () {
        var ex = module.exports, d;
        lib.scheduledHandler = findScheduled(ex);
        if (ex && typeof ex.fetch === "function") {
            handler = ex.fetch;
            handlerThis = ex;
        } else if (ex && (d = ex["default"]) && typeof d.fetch === "function") {
            handler = d.fetch;
            handlerThis = d;
        } else if (fetchListeners.length > 0) {
            handler = listenerHandler;
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

    function fail(id, e) {
        var msg, stack = "";
        if (e instanceof Error) {
            msg = e.name + ": " + e.message;
            stack = e.stack ? String(e.stack) : "";
        } else {
            try {
                msg = "uncaught " + String(e);
            } catch (e2) {
                msg = "uncaught exception";
            }
        }
        native.fail(id, msg, stack);
    }

    function settle(id, r) {
        if (r instanceof Response) {
            lib.respond(id, r);
        } else if (lib.isPromise(r) || (r !== null && typeof r === "object"
                                        && typeof r.then === "function")) {
            lib.Promise.resolve(r).then(function (v) {
                if (v instanceof Response) {
                    lib.respond(id, v);
                } else {
                    fail(id, new TypeError("the fetch handler's promise resolved to "
                                           + describe(v) + ", not a Response"));
                }
            }, function (e) {
                fail(id, e);
            });
        } else {
            fail(id, new TypeError("the fetch handler returned " + describe(r)
                                   + ", not a Response or a Promise of one"));
        }
    }

    function describe(v) {
        if (v === null) { return "null"; }
        if (v === undefined) { return "undefined"; }
        if (typeof v === "object") { return "an object (" + Object.prototype.toString.call(v)
                                            + ")"; }
        return "a " + typeof v;
    }

    /* One request: C -> here; the answer goes back through native.respond/fail.
     * The hot path (a handler returning a Response, no microtask queued) makes
     * as few JS calls as it can: each costs Duktape about 0.2 us. */
    lib.dispatch = function (id, method, url, raw, body) {
        var req = new IncomingRequest(method, url, raw, body), r;
        lib.currentRequest = id;        /* timers and fetch() belong to it */
        try {
            r = handler.call(handlerThis, req, lib.env, new Context(id));
        } catch (e) {
            fail(id, e);
            lib.drain();
            lib.currentRequest = -1;
            return;
        }
        if (r instanceof Response) {
            respond(id, r);
        } else {
            settle(id, r);
        }
        if (jobs.length !== 0 || unhandled.length !== 0) {
            lib.drain();
        }
        lib.currentRequest = -1;
    };
}
