/*
 * structuredClone (HTML): primitives, wrappers, Date, RegExp, ArrayBuffer,
 * typed arrays, DataView, arrays, plain objects, errors, Map/Set when the
 * engine has them, Blob/File; cycles and shared references kept. Anything
 * else (functions, symbols, other platform objects) is a DataCloneError.
 *
 * provides: global: structuredClone
 */
function (native, global, lib) {
    "use strict";
    var toStr = Object.prototype.toString;
    var VIEWS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
                 "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "DataView"];
    var ERRORS = { Error: Error, EvalError: EvalError, RangeError: RangeError,
                   ReferenceError: ReferenceError, SyntaxError: SyntaxError,
                   TypeError: TypeError, URIError: URIError };

    function cloneError(what) {
        return lib.domException("Failed to execute 'structuredClone': " + what
                                + " could not be cloned.", "DataCloneError");
    }

    function Memory() {
        this.from = [];
        this.to = [];
    }
    Memory.prototype.get = function (v) {
        var i = this.from.indexOf(v);
        return i < 0 ? undefined : this.to[i];
    };
    Memory.prototype.set = function (v, c) {
        this.from.push(v);
        this.to.push(c);
    };

    function clone(v, mem) {
        var t = typeof v, tag, c, keys, i, k, buf, C;
        if (t === "symbol") {
            throw cloneError("Symbol()");
        }
        if (t === "function") {
            throw cloneError(String(v).split("{")[0].replace(/\s+$/, "") || "function");
        }
        if (v === null || t !== "object") {
            return v;
        }
        c = mem.get(v);
        if (c !== undefined) {
            return c;
        }
        tag = toStr.call(v).slice(8, -1);
        if (lib.Blob !== undefined && v instanceof lib.Blob) {
            c = Object.create(Object.getPrototypeOf(v));
            keys = Object.getOwnPropertyNames(v);
            for (i = 0; i < keys.length; i++) {
                c[keys[i]] = v[keys[i]];
            }
            mem.set(v, c);
            return c;
        }
        switch (tag) {
        case "Boolean":
            c = new Boolean(v.valueOf());
            break;
        case "Number":
            c = new Number(v.valueOf());
            break;
        case "String":
            c = new String(v.valueOf());
            break;
        case "Date":
            c = new Date(v.getTime());
            break;
        case "RegExp":
            c = new RegExp(v.source, (v.global ? "g" : "") + (v.ignoreCase ? "i" : "")
                           + (v.multiline ? "m" : ""));
            break;
        case "ArrayBuffer":
            c = v.slice(0);
            break;
        case "Array":
            c = new Array(v.length);
            mem.set(v, c);
            for (k in v) {
                if (Object.prototype.hasOwnProperty.call(v, k)) {
                    c[k] = clone(v[k], mem);
                }
            }
            return c;
        case "Error":
            C = ERRORS[v.name] !== undefined ? ERRORS[v.name] : Error;
            c = new C(v.message);
            if (v.stack !== undefined) {
                lib.define(c, "stack", String(v.stack));
            }
            mem.set(v, c);
            return c;
        case "Map":
            c = new global.Map();
            mem.set(v, c);
            v.forEach(function (val, key) { c.set(clone(key, mem), clone(val, mem)); });
            return c;
        case "Set":
            c = new global.Set();
            mem.set(v, c);
            v.forEach(function (val) { c.add(clone(val, mem)); });
            return c;
        case "Object":
            if (lib.Promise !== undefined && v instanceof lib.Promise) {
                throw cloneError("#<Promise>");
            }
            if (lib.isPlatformObject(v)) {
                throw cloneError("#<" + (v.constructor && v.constructor.name || "Object")
                                 + ">");
            }
            c = {};
            mem.set(v, c);
            keys = Object.keys(v);
            for (i = 0; i < keys.length; i++) {
                c[keys[i]] = clone(v[keys[i]], mem);
            }
            return c;
        default:
            if (VIEWS.indexOf(tag) >= 0) {
                buf = mem.get(v.buffer);
                if (buf === undefined) {
                    buf = v.buffer.slice(0);
                    mem.set(v.buffer, buf);
                }
                C = global[tag];
                c = tag === "DataView" ? new DataView(buf, v.byteOffset, v.byteLength)
                    : new C(buf, v.byteOffset, v.length);
                break;
            }
            throw cloneError("#<" + tag + ">");
        }
        mem.set(v, c);
        return c;
    }

    /* Our own classes carry internal slots: not cloneable (except Blob/File). */
    lib.isPlatformObject = function (v) {
        var names = ["Headers", "Request", "Response", "URL", "URLSearchParams", "FormData",
                     "AbortController", "AbortSignal", "EventTarget", "Event", "CryptoKey",
                     "TextEncoder", "TextDecoder"], i, C;
        for (i = 0; i < names.length; i++) {
            C = lib[names[i]];
            if (typeof C === "function" && v instanceof C) {
                return true;
            }
        }
        return false;
    };

    lib.define(global, "structuredClone", function structuredClone(value, options) {
        if (arguments.length < 1) {
            throw new TypeError("Failed to execute 'structuredClone': 1 argument required, "
                                + "but only 0 present.");
        }
        if (options !== undefined && options !== null && options.transfer !== undefined
            && lib.iterToArray(options.transfer).length > 0) {
            throw lib.domException("Failed to execute 'structuredClone': transfer is not "
                                   + "supported", "DataCloneError");
        }
        return clone(value, new Memory());
    });
}
