/*
 * Headers (Fetch standard): a list of [lowercased name, value] pairs in
 * insertion order; get() combines duplicates with ", ". Names and values are
 * validated with char loops (no regex on the hot path).
 */
function (native, global, lib) {
    "use strict";
    /* RFC 9110 tchar table for codes < 128. */
    var TCHAR = [], i;
    for (i = 0; i < 128; i++) {
        TCHAR[i] = (i >= 48 && i <= 57) || (i >= 65 && i <= 90) || (i >= 97 && i <= 122)
            || "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(i)) >= 0;
    }

    function checkName(name) {
        var s = String(name), j, c;
        if (s.length === 0) {
            throw new TypeError("Invalid header name: \"\"");
        }
        for (j = 0; j < s.length; j++) {
            c = s.charCodeAt(j);
            if (c >= 128 || !TCHAR[c]) {
                throw new TypeError("Invalid header name: \"" + s + "\"");
            }
        }
        return s.toLowerCase();
    }

    function isWs(c) {
        return c === 32 || c === 9 || c === 10 || c === 13;
    }

    function normalizeValue(value) {
        var s = String(value), a = 0, b = s.length, j, c;
        while (a < b && isWs(s.charCodeAt(a))) { a++; }
        while (b > a && isWs(s.charCodeAt(b - 1))) { b--; }
        if (a !== 0 || b !== s.length) {
            s = s.substring(a, b);
        }
        for (j = 0; j < s.length; j++) {
            c = s.charCodeAt(j);
            if (c === 0 || c === 10 || c === 13 || c > 255) {
                throw new TypeError("Invalid header value for header: \"" + s + "\"");
            }
        }
        return s;
    }

    function Headers(init) {
        if (!(this instanceof Headers)) {
            throw new TypeError("Failed to construct 'Headers': Please use the 'new' operator");
        }
        this._list = [];    /* [name, value, name, value, ...], names lowercased */
        if (init !== undefined && init !== null) {
            fill(this, init);
        }
    }

    function fill(h, init) {
        var k, j, pair;
        if (init instanceof Headers) {
            h._list = init._list.slice();
        } else if (init instanceof Array) {
            for (j = 0; j < init.length; j++) {
                pair = init[j];
                if (pair === null || typeof pair !== "object" || pair.length !== 2) {
                    throw new TypeError("Failed to construct 'Headers': each header pair must "
                                        + "be an array of [name, value]");
                }
                h.append(pair[0], pair[1]);
            }
        } else if (typeof init === "object") {
            if (typeof Symbol === "function" && Symbol.iterator
                && typeof init[Symbol.iterator] === "function") {
                fill(h, lib.iterToArray(init));
                return;
            }
            for (k in init) {
                if (Object.prototype.hasOwnProperty.call(init, k)) {
                    h.append(k, init[k]);
                }
            }
        } else {
            throw new TypeError("Failed to construct 'Headers': The provided value is not of "
                                + "type '(record<ByteString, ByteString> or "
                                + "sequence<sequence<ByteString>>)'");
        }
    }

    Headers.prototype.append = function (name, value) {
        var n = checkName(name), v = normalizeValue(value);
        if (this._guard) { throw new TypeError("Headers are immutable"); }
        this._list.push(n, v);
    };
    Headers.prototype["delete"] = function (name) {
        var n = checkName(name), l = this._list, out = [], j;
        if (this._guard) { throw new TypeError("Headers are immutable"); }
        for (j = 0; j < l.length; j += 2) {
            if (l[j] !== n) { out.push(l[j], l[j + 1]); }
        }
        this._list = out;
    };
    Headers.prototype.get = function (name) {
        var n = checkName(name), l = this._list, r = null, j;
        for (j = 0; j < l.length; j += 2) {
            if (l[j] === n) {
                r = r === null ? l[j + 1] : r + ", " + l[j + 1];
            }
        }
        return r;
    };
    Headers.prototype.getSetCookie = function () {
        var l = this._list, r = [], j;
        for (j = 0; j < l.length; j += 2) {
            if (l[j] === "set-cookie") { r.push(l[j + 1]); }
        }
        return r;
    };
    Headers.prototype.has = function (name) {
        var n = checkName(name), l = this._list, j;
        for (j = 0; j < l.length; j += 2) {
            if (l[j] === n) { return true; }
        }
        return false;
    };
    Headers.prototype.set = function (name, value) {
        var n = checkName(name), v = normalizeValue(value), l = this._list, out = [], j,
            done = false;
        if (this._guard) { throw new TypeError("Headers are immutable"); }
        for (j = 0; j < l.length; j += 2) {
            if (l[j] !== n) {
                out.push(l[j], l[j + 1]);
            } else if (!done) {
                out.push(n, v);
                done = true;
            }
        }
        if (!done) { out.push(n, v); }
        this._list = out;
    };

    /* Sorted, combined (set-cookie kept apart): what iteration yields. */
    function sortedPairs(h) {
        var l = h._list, names = [], seen = {}, out = [], j, n;
        for (j = 0; j < l.length; j += 2) {
            if (!Object.prototype.hasOwnProperty.call(seen, l[j])) {
                seen[l[j]] = true;
                names.push(l[j]);
            }
        }
        names.sort();
        for (j = 0; j < names.length; j++) {
            n = names[j];
            if (n === "set-cookie") {
                h.getSetCookie().forEach(function (v) { out.push([n, v]); });
            } else {
                out.push([n, h.get(n)]);
            }
        }
        return out;
    }

    Headers.prototype.forEach = function (callback, thisArg) {
        var pairs = sortedPairs(this), j;
        for (j = 0; j < pairs.length; j++) {
            callback.call(thisArg, pairs[j][1], pairs[j][0], this);
        }
    };
    Headers.prototype.entries = function () {
        return lib.arrayIterator(sortedPairs(this));
    };
    Headers.prototype.keys = function () {
        return lib.arrayIterator(sortedPairs(this).map(function (p) { return p[0]; }));
    };
    Headers.prototype.values = function () {
        return lib.arrayIterator(sortedPairs(this).map(function (p) { return p[1]; }));
    };
    if (typeof Symbol === "function" && Symbol.iterator) {
        Headers.prototype[Symbol.iterator] = Headers.prototype.entries;
    }

    lib.arrayIterator = function (arr) {
        var idx = 0, it = {
            next: function () {
                return idx < arr.length ? { value: arr[idx++], done: false }
                                        : { value: undefined, done: true };
            }
        };
        if (typeof Symbol === "function" && Symbol.iterator) {
            it[Symbol.iterator] = function () { return this; };
        }
        return it;
    };
    lib.iterToArray = function (x) {
        var it = x[Symbol.iterator](), out = [], step;
        while (!(step = it.next()).done) { out.push(step.value); }
        return out;
    };

    /* From C: "name: value\r\n..." as received. Names are lowercased. */
    lib.headersFromRaw = function (raw) {
        var h = Object.create(Headers.prototype), l = [], lines, j, line, c;
        h._list = l;
        if (raw) {
            lines = raw.split("\r\n");
            for (j = 0; j < lines.length; j++) {
                line = lines[j];
                c = line.indexOf(":");
                if (c > 0) {
                    l.push(line.substring(0, c).toLowerCase(), line.substring(c + 2));
                }
            }
        }
        return h;
    };
    lib.checkHeaderName = checkName;
    lib.define(global, "Headers", Headers);
    lib.Headers = Headers;
}
