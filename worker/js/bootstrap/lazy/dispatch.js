/*
 * The parts of 90-dispatch.js a hello app never runs, loaded on first use:
 * addEventListener("fetch" | "scheduled") and FetchEvent, the search for a
 * scheduled handler (lib.findScheduled), and the slow ends of a request
 * (lib.settle: the handler returned no Response; lib.fail: it threw).
 * lib.listeners (a plain member, not an accessor) says whether any listener
 * API was touched.
 *
 * provides: global: addEventListener
 * provides: lib: listenerHandler findScheduled settle fail
 */
function (native, global, lib) {
    "use strict";
    var Response = lib.Response;
    var listeners = { fetch: [], scheduled: [] };

    lib.listeners = listeners;
    lib.define(global, "addEventListener", function addEventListener(type, listener) {
        if (typeof listener !== "function" && !(listener && typeof listener.handleEvent
                                                 === "function")) {
            throw new TypeError("addEventListener: listener is not a function");
        }
        if (type === "fetch") {
            listeners.fetch.push(listener);
        } else if (type === "scheduled") {
            listeners.scheduled.push(listener);
        }
    });

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

    /* The fetch handler of an app that registered fetch listeners. */
    lib.listenerHandler = function (request, env, ctx) {
        var ev = new FetchEvent(request, ctx), i, l;
        for (i = 0; i < listeners.fetch.length; i++) {
            l = listeners.fetch[i];
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
    };

    /* scheduled(controller, env, ctx) for lazy/scheduled.js, or null. */
    lib.findScheduled = function (ex) {
        var d = ex && ex["default"];
        if (ex && typeof ex.scheduled === "function") {
            return function (c, env, ctx) { return ex.scheduled(c, env, ctx); };
        }
        if (d && typeof d.scheduled === "function") {
            return function (c, env, ctx) { return d.scheduled(c, env, ctx); };
        }
        if (listeners.scheduled.length > 0) {
            return function (c, env, ctx) {
                var ev = { type: "scheduled", cron: c.cron, scheduledTime: c.scheduledTime,
                           noRetry: function () {},
                           waitUntil: function (p) { ctx.waitUntil(p); } }, i, l;
                for (i = 0; i < listeners.scheduled.length; i++) {
                    l = listeners.scheduled[i];
                    if (typeof l === "function") {
                        l.call(global, ev);
                    } else {
                        l.handleEvent(ev);
                    }
                }
            };
        }
        return null;
    };

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
    lib.fail = fail;

    lib.settle = function (id, r) {
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
    };

    function describe(v) {
        if (v === null) { return "null"; }
        if (v === undefined) { return "undefined"; }
        if (typeof v === "object") { return "an object (" + Object.prototype.toString.call(v)
                                            + ")"; }
        return "a " + typeof v;
    }
}
