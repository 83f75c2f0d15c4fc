/*
 * atob, btoa and queueMicrotask: globals of bootstrap/00-core.js, loaded on
 * first touch (few apps use them; eager, they cost every heap ~2 KB).
 */
function (native, global, lib) {
    "use strict";

    lib.define(global, "queueMicrotask", function queueMicrotask(callback) {
        if (typeof callback !== "function") {
            throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of "
                                + "type 'Function'.");
        }
        lib.enqueue(callback, undefined);
    });
    lib.define(global, "atob", function atob(data) {
        var r;
        if (arguments.length < 1) {
            throw new TypeError("Failed to execute 'atob': 1 argument required.");
        }
        r = native.atob(String(data));
        if (r === null) {
            throw lib.domException("Failed to execute 'atob': The string to be decoded is "
                                   + "not correctly encoded.", "InvalidCharacterError");
        }
        return r;
    });
    lib.define(global, "btoa", function btoa(data) {
        var r;
        if (arguments.length < 1) {
            throw new TypeError("Failed to execute 'btoa': 1 argument required.");
        }
        r = native.btoa(String(data));
        if (r === null) {
            throw lib.domException("Failed to execute 'btoa': The string to be encoded "
                                   + "contains characters outside of the Latin1 range.",
                                   "InvalidCharacterError");
        }
        return r;
    });
}
