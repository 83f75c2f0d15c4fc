/*
 * Core: the microtask queue (drained by C after every macrotask through
 * lib.drain) and small helpers shared by the other bootstrap files.
 * Each bootstrap file is `function (native, global, lib) {...}`: `native`
 * (C functions) is an argument, never a global, so tenant code cannot reach it.
 */
function (native, global, lib) {
    "use strict";
    var queue = [], head = 0;

    function define(obj, name, value) {
        Object.defineProperty(obj, name, {
            value: value, writable: true, enumerable: false, configurable: true
        });
    }
    lib.define = define;

    lib.enqueue = function (fn, arg) {
        queue.push(fn, arg);
    };

    /* Runs every queued microtask, including those queued meanwhile. */
    lib.drain = function () {
        var fn, arg;
        while (head < queue.length) {
            fn = queue[head];
            arg = queue[head + 1];
            queue[head] = queue[head + 1] = undefined;
            head += 2;
            if (head > 1024 && head * 2 > queue.length) {
                queue = queue.slice(head);
                head = 0;
            }
            try {
                fn(arg);
            } catch (e) {
                lib.reportError(e, "uncaught exception in a microtask");
            }
        }
        queue.length = 0;
        head = 0;
    };

    lib.reportError = function (e, context) {
        var msg = (e && e.stack) ? String(e.stack) : String(e);
        native.log(3, context + ": " + msg);
    };

    define(global, "queueMicrotask", function queueMicrotask(callback) {
        if (typeof callback !== "function") {
            throw new TypeError("queueMicrotask: argument is not a function");
        }
        queue.push(callback, undefined);
    });
    define(global, "globalThis", global);
    define(global, "self", global);
}
