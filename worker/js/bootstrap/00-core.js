/*
 * Core: the microtask queue (drained by C after every macrotask through
 * lib.drain), lazy globals, small helpers shared by the other bootstrap files.
 * Each bootstrap file is `function (native, global, lib) {...}`: `native`
 * (C functions) is an argument, never a global, so tenant code cannot reach it.
 *
 * Lazy globals: the classes of bootstrap/lazy/NAME.js (URL, Blob, crypto...)
 * are accessors on the global object until first touched; the getter runs
 * the file (native.lazyLoad, bytecode cached per process), which defines the
 * real globals. A hello app never pays for them. Bootstrap code that needs
 * one calls lib.require("NAME") and then uses lib.URL, lib.Blob... Promise,
 * Headers, console, timers, fetch() and cron are lazy too, and so are the
 * lib members their files define (lib.Promise, lib.waitUntil, lib.runTimer...):
 * reading one, from JS or from C, loads the file. Which file provides which
 * name is the `provides:` line of each file (scripts/gen-lazy builds the
 * registry); the accessors are native.lazyProvide's (worker/js/boot_lazy.c):
 * no function object each.
 */
function (native, global, lib) {
    "use strict";
    var queue = [], head = 0, unhandled = [];
    var loaded = {};

    function define(obj, name, value) {
        Object.defineProperty(obj, name, {
            value: value, writable: true, enumerable: false, configurable: true
        });
    }
    lib.define = define;
    /* Promises rejected with no handler yet (lazy/promise.js fills it). */
    lib.unhandled = unhandled;
    /* Passed to a constructor by bootstrap code: build without the public checks. */
    lib.internal = {};
    /* The invocation (request or scheduled event) whose code runs now, -1 for
     * none: set by dispatch and by every macrotask entry (timers, fetch). */
    lib.currentRequest = -1;

    /* Defines getters (non-enumerable) from an object of functions. */
    lib.getters = function (obj, getters) {
        var k;
        for (k in getters) {
            if (Object.prototype.hasOwnProperty.call(getters, k)) {
                Object.defineProperty(obj, k, { get: getters[k], enumerable: true,
                                                configurable: true });
            }
        }
    };

    /* The queue itself, so that dispatch can skip an empty drain(). */
    lib.jobs = queue;

    lib.enqueue = function (fn, arg) {
        queue.push(fn, arg);
    };

    /* Runs every queued microtask, including those queued meanwhile. */
    /* The queue and its head in locals: a closure variable is a by-name
     * lookup in Duktape (13 of them per job otherwise). head is written back
     * before each job and read again after it, for a drain the job runs.
     * One try per run of jobs, not one per job (a catcher set up and torn
     * down each time): after an exception the loop goes on. */
    lib.drain = function () {
        var fn, arg, q = queue, h = head;
        for (;;) {
            try {
                while (h < q.length) {
                    fn = q[h];
                    arg = q[h + 1];
                    q[h] = q[h + 1] = void 0;
                    h += 2;
                    if (h > 1024 && h * 2 > q.length) {
                        q.splice(0, h);     /* in place: lib.jobs stays this array */
                        h = 0;
                    }
                    head = h;
                    fn(arg);
                    h = head;
                }
                break;
            } catch (e) {
                h = head;
                lib.reportError(e, "uncaught exception in a microtask");
            }
        }
        if (head !== 0) {
            queue.length = 0;
            head = 0;
        }
        if (unhandled.length !== 0) {
            lib.afterDrain();
            if (head < queue.length) {
                lib.drain();
            }
        }
    };

    lib.reportError = function (e, context) {
        var msg;
        try {
            msg = (e && e.stack) ? String(e.stack) : String(e);
        } catch (e2) {
            msg = "(an exception that cannot be printed)";
        }
        native.log(3, context + ": " + msg);
    };

    /* Loads bootstrap/lazy/[generated/]NAME.js once; returns lib. For an es-* file,
     * es-stubs.js first removes the accessors of the file's group. */
    lib.require = function (name) {
        if (loaded[name] !== true) {
            loaded[name] = true;
            if (name.slice(0, 3) === "es-") {
                native.lazyLoad("es-stubs")(native, global, lib, name);
            }
            native.lazyLoad(name)(native, global, lib);
        }
        return lib;
    };

    /* Captured before encoding.js's accessors replace them. */
    lib.TextEncoder = global.TextEncoder;
    lib.TextDecoder = global.TextDecoder;
    /* The globals and lib members of bootstrap/lazy/*.js: accessors that load
     * the file on first read (the registry: each file's `provides:` lines,
     * scripts/gen-lazy). Assigning one first replaces it without loading
     * anything. Other targets: 30-fetch-classes.js. */
    native.lazyProvide(global, "global");
    native.lazyProvide(lib, "lib");
    /* RegExp's ES2015+ members (worker/js/regexp.c loads the file on a
     * heap's first RegExp too); before es-stubs, which skips what exists */
    native.lazyProvide(Symbol, "global.Symbol");
    /* V8's Error.captureStackTrace/stackTraceLimit (lazy/core-globals.js) */
    native.lazyProvide(Error, "global.Error");
    native.lazyProvide(String.prototype, "global.String.prototype");
    /* ES2015+ built-ins (Map, Array.from, [].includes...): accessors from
     * lazy/generated/es-stubs.js, generated with lazy/generated/es-*.js by
     * scripts/gen-polyfills; it keeps nothing in the heap (lib.require runs
     * it again to unstub). */
    native.lazyLoad("es-stubs")(native, global, lib);

    /* A DOMException (lazily loaded class). */
    lib.domException = function (message, name) {
        return new (lib.require("domexception").DOMException)(message, name);
    };

    define(global, "globalThis", global);
    define(global, "self", global);
}
