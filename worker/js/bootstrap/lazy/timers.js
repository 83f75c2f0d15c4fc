/*
 * setTimeout/setInterval/clearTimeout/clearInterval and lib.waitUntil.
 * C (worker/timer.c) keeps the deadlines and calls lib.runTimer(id, level) as
 * a macrotask; the callbacks stay here, keyed by id. Every timer belongs to
 * the invocation (request or scheduled event) whose code set it:
 * lib.currentRequest (00-core.js), set by dispatch and by every macrotask
 * entry. Loaded on first use (00-core.js: lazy globals and lib members).
 *
 * provides: global: setTimeout setInterval clearTimeout clearInterval
 * provides: lib: runTimer waitUntil
 */
function (native, global, lib) {
    "use strict";
    var timers = {}, count = 0, sweepAt = 64, nextId = 1, nesting = 0;
    var slice = Array.prototype.slice;

    function noScope(what) {
        return new Error(what + " cannot be called in the global scope (while the script "
                         + "loads): call it from a handler");
    }

    /* Drops entries whose C side is gone (their request timed out). */
    function sweep() {
        var id;
        for (id in timers) {
            if (!native.timerPending(+id)) {
                delete timers[id];
                count--;
            }
        }
        sweepAt = count * 2 > 64 ? count * 2 : 64;
    }

    function start(name, fn, ms, args, repeat) {
        var io = lib.currentRequest, id, delay;
        if (typeof fn !== "function") {
            throw new TypeError(name + ": the callback must be a function (strings are not "
                                + "evaluated)");
        }
        if (io === -1) {
            throw noScope(name + "()");
        }
        delay = +ms;
        if (!(delay > 0)) {
            delay = 0;
        }
        if (count >= sweepAt) {
            sweep();
        }
        id = nextId++;
        native.timerStart(id, delay, repeat, io, nesting + 1);
        timers[id] = { fn: fn, args: args, repeat: repeat, io: io };
        count++;
        return id;
    }

    function clear(id) {
        var n = +id;
        if (n > 0 && timers[n] !== undefined) {
            delete timers[n];
            count--;
            native.timerClear(n);
        }
    }

    lib.define(global, "setTimeout", function setTimeout(fn, ms) {
        return start("setTimeout", fn, ms, slice.call(arguments, 2), false);
    });
    lib.define(global, "setInterval", function setInterval(fn, ms) {
        return start("setInterval", fn, ms, slice.call(arguments, 2), true);
    });
    lib.define(global, "clearTimeout", function clearTimeout(id) {
        clear(id);
    });
    lib.define(global, "clearInterval", function clearInterval(id) {
        clear(id);
    });

    /* From C: timer id is due; level is its HTML nesting level. */
    lib.runTimer = function (id, level) {
        var t = timers[id];
        if (t === undefined) {
            return;
        }
        if (!t.repeat) {
            delete timers[id];
            count--;
        }
        lib.currentRequest = t.io;
        nesting = level;
        try {
            t.fn.apply(undefined, t.args);
        } catch (e) {
            lib.reportError(e, "uncaught exception in a timer callback");
        } finally {
            nesting = 0;
        }
    };

    /* ctx.waitUntil(p) of invocation id: the worker keeps it going (bounded by
     * wait_until_timeout) until p settles; a rejection is logged. */
    lib.waitUntil = function (id, p) {
        native.waitBegin(id);
        lib.subscribe(lib.Promise.resolve(p), function () {
            native.waitEnd(id);
        }, function (e) {
            lib.reportError(e, "ctx.waitUntil() promise rejected");
            native.waitEnd(id);
        }, null);
    };
}
