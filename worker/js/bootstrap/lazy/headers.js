/*
 * Headers (Fetch standard). A flat list [lname, value, lname, value, ...] in
 * insertion order (`_list`: native.respond and fetch() read it as is), names
 * lowercased; get() combines duplicates with ", ". Names and values are
 * checked in C (native.hdrName/hdrValue/hdrRecord: no regex, one call).
 * `_guard`: "" or "immutable" (the incoming request's, Response.error()'s,
 * Response.redirect()'s and fetch() responses' headers).
 *
 * provides: global: Headers
 * provides: lib: Headers arrayIterator iterToArray headersFromRaw headersFromList checkHeaderName checkHeaderValue
 */
function (native, global, lib) {
    "use strict";
    var hdrName = native.hdrName, hdrValue = native.hdrValue, hdrRecord = native.hdrRecord;
    var ITERATOR = Symbol.iterator;

    function Headers(init) {
        if (!(this instanceof Headers)) {
            throw new TypeError("Failed to construct 'Headers': Please use the 'new' operator, "
                                + "this DOM object constructor cannot be called as a function.");
        }
        this._list = [];
        if (init !== undefined && init !== null) {
            fill(this, init);
        }
    }
    lib.define(Headers.prototype, "_guard", "");

    /* A Headers over an existing flat list (trusted: already checked). */
    function FromList(list, guard) {
        this._list = list;
        if (guard) {
            this._guard = guard;
        }
    }
    FromList.prototype = Headers.prototype;

    function fill(h, init) {
        var j, pair, l = h._list;
        if (init instanceof Headers) {
            for (j = 0; j < init._list.length; j++) {
                l.push(init._list[j]);
            }
            return;
        }
        if (typeof init !== "object" && typeof init !== "function") {
            throw new TypeError("Failed to construct 'Headers': The provided value is not of "
                                + "type '(record<ByteString, ByteString> or "
                                + "sequence<sequence<ByteString>>)'.");
        }
        if (!(init instanceof Array) && typeof init[ITERATOR] === "function") {
            init = lib.iterToArray(init);
        }
        if (init instanceof Array) {
            for (j = 0; j < init.length; j++) {
                pair = init[j];
                if (pair !== null && typeof pair === "object" && !(pair instanceof Array)
                    && typeof pair[Symbol.iterator] === "function") {
                    pair = lib.iterToArray(pair);
                }
                if (pair === null || typeof pair !== "object" || pair.length !== 2) {
                    throw new TypeError("Failed to construct 'Headers': Invalid value (each "
                                        + "header pair must be an iterable [name, value])");
                }
                l.push(hdrName(pair[0]), hdrValue(pair[1], pair[0]));
            }
            return;
        }
        hdrRecord(init, l);
    }

    function mutable(h) {
        if (h._guard !== "") {
            throw new TypeError("Can't modify immutable headers.");
        }
    }

    function requireArgs(n, got, method) {
        if (got < n) {
            throw new TypeError("Failed to execute '" + method + "' on 'Headers': " + n
                                + " argument" + (n > 1 ? "s" : "") + " required, but only "
                                + got + " present.");
        }
    }

    /* Methods as declarations, not named function expressions: one of those
     * gets an environment of its own for its name in Duktape (an object per
     * closure: 1.2 KB per heap for these ten). */
    function append(name, value) {
        requireArgs(2, arguments.length, "append");
        var n = hdrName(name), v = hdrValue(value, name);
        mutable(this);
        this._list.push(n, v);
    }
    lib.define(Headers.prototype, "append", append);
    lib.define(Headers.prototype, "delete", function (name) {
        requireArgs(1, arguments.length, "delete");
        var n = hdrName(name), l = this._list, j;
        mutable(this);
        for (j = l.length - 2; j >= 0; j -= 2) {
            if (l[j] === n) {
                l.splice(j, 2);
            }
        }
    });
    function get(name) {
        requireArgs(1, arguments.length, "get");
        var n = hdrName(name), l = this._list, r = null, j;
        for (j = 0; j < l.length; j += 2) {
            if (l[j] === n) {
                r = r === null ? l[j + 1] : r + ", " + l[j + 1];
            }
        }
        return r;
    }
    lib.define(Headers.prototype, "get", get);
    function getSetCookie() {
        var l = this._list, r = [], j;
        for (j = 0; j < l.length; j += 2) {
            if (l[j] === "set-cookie") {
                r.push(l[j + 1]);
            }
        }
        return r;
    }
    lib.define(Headers.prototype, "getSetCookie", getSetCookie);
    /* Cloudflare Workers' name for it. */
    function getAll(name) {
        if (hdrName(name) !== "set-cookie") {
            throw new TypeError("getAll() can only be used with the header name \"Set-Cookie\".");
        }
        return this.getSetCookie();
    }
    lib.define(Headers.prototype, "getAll", getAll);
    function has(name) {
        requireArgs(1, arguments.length, "has");
        var n = hdrName(name), l = this._list, j;
        for (j = 0; j < l.length; j += 2) {
            if (l[j] === n) {
                return true;
            }
        }
        return false;
    }
    lib.define(Headers.prototype, "has", has);
    function set(name, value) {
        requireArgs(2, arguments.length, "set");
        var n = hdrName(name), v = hdrValue(value, name), l = this._list, j, found = false;
        mutable(this);
        for (j = 0; j < l.length; j += 2) {
            if (l[j] === n) {
                if (!found) {
                    l[j + 1] = v;
                    found = true;
                } else {
                    l.splice(j, 2);
                    j -= 2;
                }
            }
        }
        if (!found) {
            l.push(n, v);
        }
    }
    lib.define(Headers.prototype, "set", set);

    /* Sorted by name, duplicates combined (set-cookie kept apart): what
     * iteration yields. */
    function sortedPairs(h) {
        var l = h._list, names = [], seen = {}, out = [], j, k, n, v;
        for (j = 0; j < l.length; j += 2) {
            if (seen[l[j]] !== true) {
                seen[l[j]] = true;
                names.push(l[j]);
            }
        }
        names.sort();
        for (j = 0; j < names.length; j++) {
            n = names[j];
            v = null;
            for (k = 0; k < l.length; k += 2) {
                if (l[k] !== n) {
                    continue;
                }
                if (n === "set-cookie") {
                    out.push([n, l[k + 1]]);
                } else {
                    v = v === null ? l[k + 1] : v + ", " + l[k + 1];
                }
            }
            if (v !== null) {
                out.push([n, v]);
            }
        }
        return out;
    }

    function forEach(callback, thisArg) {
        var pairs = sortedPairs(this), j;
        if (typeof callback !== "function") {
            throw new TypeError("Failed to execute 'forEach' on 'Headers': parameter 1 is not "
                                + "of type 'Function'.");
        }
        for (j = 0; j < pairs.length; j++) {
            callback.call(thisArg, pairs[j][1], pairs[j][0], this);
        }
    }
    lib.define(Headers.prototype, "forEach", forEach);

    /* Iterators walk the sorted list as it is at each step (the spec's). */
    function HeadersIterator(h, kind) {
        this._h = h;
        this._kind = kind;
        this._i = 0;
    }
    lib.define(HeadersIterator.prototype, "next", function next() {
        var pairs = sortedPairs(this._h), p;
        if (this._i >= pairs.length) {
            return { value: undefined, done: true };
        }
        p = pairs[this._i++];
        return { value: this._kind === 0 ? p : this._kind === 1 ? p[0] : p[1], done: false };
    });
    HeadersIterator.prototype[Symbol.iterator] = function () { return this; };
    Object.defineProperty(HeadersIterator.prototype, Symbol.toStringTag, {
        value: "Headers Iterator", configurable: true
    });

    function entries() {
        return new HeadersIterator(this, 0);
    }
    lib.define(Headers.prototype, "entries", entries);
    function keys() {
        return new HeadersIterator(this, 1);
    }
    lib.define(Headers.prototype, "keys", keys);
    function values() {
        return new HeadersIterator(this, 2);
    }
    lib.define(Headers.prototype, "values", values);
    lib.define(Headers.prototype, Symbol.iterator, Headers.prototype.entries);
    Object.defineProperty(Headers.prototype, Symbol.toStringTag, {
        value: "Headers", configurable: true
    });

    /* An iterator over a fixed array (other bootstrap files). */
    function ArrayIterator(arr) {
        this._a = arr;
        this._i = 0;
    }
    lib.define(ArrayIterator.prototype, "next", function next() {
        return this._i < this._a.length ? { value: this._a[this._i++], done: false }
                                        : { value: undefined, done: true };
    });
    ArrayIterator.prototype[Symbol.iterator] = function () { return this; };
    lib.arrayIterator = function (arr) {
        return new ArrayIterator(arr);
    };
    lib.iterToArray = function (x) {
        var it, out = [], step;
        if (x instanceof Array) {
            return x.slice();
        }
        if (x === null || x === undefined || typeof x[Symbol.iterator] !== "function") {
            throw new TypeError(String(x) + " is not iterable");
        }
        it = x[Symbol.iterator]();
        if (it === null || typeof it !== "object") {
            throw new TypeError("Result of the Symbol.iterator method is not an object");
        }
        while (!(step = it.next()).done) {
            out.push(step.value);
        }
        return out;
    };

    /* From C: "Name: value\r\n..." as received; parsed on first use. */
    lib.headersFromRaw = function (raw, guard) {
        return new FromList(raw ? native.hdrParse(raw) : [], guard);
    };
    lib.headersFromList = function (list, guard) {
        return new FromList(list, guard);
    };
    lib.checkHeaderName = hdrName;
    lib.checkHeaderValue = hdrValue;
    lib.define(global, "Headers", Headers);
    lib.Headers = Headers;
}
