/*
 * atob, btoa, queueMicrotask, navigator and BigInt: globals of
 * bootstrap/00-core.js, and V8's Error.captureStackTrace/stackTraceLimit
 * (workerd has them), loaded on first touch (few apps use them; eager,
 * they cost every heap ~2 KB).
 *
 * provides: global: queueMicrotask atob btoa navigator BigInt
 * provides: global.Error: captureStackTrace stackTraceLimit
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

    /*
     * Error.captureStackTrace(target, fn) as V8 has it (workerd too): an own
     * "stack" on target, "Name: message" and the frames below fn's (all but
     * this function's when fn is not on the stack). Libraries call it
     * unguarded in their error classes' constructors: drizzle's
     * DrizzleQueryError threw "undefined not callable" instead of carrying
     * D1's error. stackTraceLimit: a number libraries read and set; Duktape's
     * traces keep their own depth.
     */
    lib.define(global.Error, "captureStackTrace", function captureStackTrace(target, fn) {
        var lines, head, i, cut = 1, name;
        if (target === null || (typeof target !== "object" && typeof target !== "function")) {
            throw new TypeError("Error.captureStackTrace: invalid argument (not an object)");
        }
        lines = String(new Error().stack || "").split("\n");
        if (typeof fn === "function") {
            name = fn.name;
            for (i = 1; name && i < lines.length; i++) {
                if (lines[i].indexOf("at " + name + " (") >= 0) {
                    cut = i;
                }
            }
        }
        try {
            head = Error.prototype.toString.call(target);
        } catch (e) {
            head = "Error";
        }
        Object.defineProperty(target, "stack", {
            value: [head].concat(lines.slice(cut + 1)).join("\n"),
            writable: true, configurable: true, enumerable: false
        });
    });
    if (typeof (Object.getOwnPropertyDescriptor(global.Error, "stackTraceLimit") || {}).get
            === "function") {         /* still the lazy stub: not set by the app first */
        Object.defineProperty(global.Error, "stackTraceLimit", {
            value: 10, writable: true, configurable: true, enumerable: true
        });
    }

    /* As on Workers: libraries that look for Workers (hono's getRuntimeKey)
     * take their Workers path. One isolate thread per request. */
    lib.define(global, "navigator", { userAgent: "Cloudflare-Workers", hardwareConcurrency: 1 });

    /*
     * BigInt: Duktape has no BigInt type. This one exists so libraries that
     * build BigInt constants at load (zod) load; BigInt(v) keeps v's decimal
     * digits and prints them, and everything needing real BigInt arithmetic
     * (operators through valueOf, asIntN, JSON) throws a TypeError that
     * says so. typeof is "object".
     */
    var LIMIT = "BigInt arithmetic is not supported by nanod's JavaScript engine (Duktape "
        + "has no BigInt type): only BigInt(value) and its toString() work";
    function BigInt(value) {
        var s = value, self;
        if (this instanceof BigInt) {
            throw new TypeError("BigInt is not a constructor");
        }
        if (value instanceof BigInt) {
            return value;
        }
        if (typeof value === "boolean") {
            s = value ? "1" : "0";
        } else if (typeof value === "number") {
            if (value !== Math.floor(value) || !isFinite(value)) {
                throw new RangeError("The number " + value + " cannot be converted to a BigInt "
                                     + "because it is not an integer");
            }
            if (Math.abs(value) > 9007199254740991) {
                throw new TypeError(LIMIT + " (number beyond 2^53: " + value + ")");
            }
            s = String(value === 0 ? 0 : value);
        } else if (typeof value === "string") {
            s = value.replace(/^\s+|\s+$/g, "");
            if (s === "") {
                s = "0";
            }
            if (/^0[xXoObB]/.test(s)) {
                s = radixDigits(s, value);
            } else if (!/^[-+]?[0-9]+$/.test(s)) {
                throw new SyntaxError("Cannot convert " + value + " to a BigInt");
            }
            s = s.replace(/^\+/, "").replace(/^(-?)0+(?=[0-9])/, "$1");
            if (s === "-0") {
                s = "0";
            }
        } else {
            throw new TypeError("Cannot convert " + String(value) + " to a BigInt");
        }
        self = Object.create(BigInt.prototype);
        Object.defineProperty(self, "_digits", { value: s });
        return self;
    }
    /* "0x1f", "0o17", "0b101" (no sign, as StringToBigInt): the decimal
     * digits, by multiply-and-add on little-endian base-10^7 limbs (the
     * build writes 0x...n literals as BigInt("0x...")). */
    function radixDigits(s, value) {
        var radix = { x: 16, o: 8, b: 2 }[s.charAt(1).toLowerCase()], limbs = [0], i, j, d, c, out;
        if (s.length < 3) {
            throw new SyntaxError("Cannot convert " + value + " to a BigInt");
        }
        for (i = 2; i < s.length; i++) {
            d = parseInt(s.charAt(i), radix);
            if (isNaN(d)) {
                throw new SyntaxError("Cannot convert " + value + " to a BigInt");
            }
            c = d;
            for (j = 0; j < limbs.length; j++) {
                c += limbs[j] * radix;
                limbs[j] = c % 10000000;
                c = Math.floor(c / 10000000);
            }
            if (c > 0) {
                limbs.push(c);
            }
        }
        out = String(limbs[limbs.length - 1]);
        for (j = limbs.length - 2; j >= 0; j--) {
            out += String(limbs[j] + 10000000).slice(1);
        }
        return out;
    }
    function limit() {
        throw new TypeError(LIMIT);
    }
    lib.define(BigInt.prototype, "toString", function toString(radix) {
        if (radix !== undefined && Number(radix) !== 10) {
            limit();
        }
        return this._digits;
    });
    lib.define(BigInt.prototype, "toLocaleString", function toLocaleString() {
        return this._digits;
    });
    lib.define(BigInt.prototype, "valueOf", limit);
    lib.define(BigInt.prototype, "toJSON", function toJSON() {
        throw new TypeError("Do not know how to serialize a BigInt");
    });
    lib.define(BigInt, "asIntN", limit);
    lib.define(BigInt, "asUintN", limit);
    lib.define(global, "BigInt", BigInt);
}
