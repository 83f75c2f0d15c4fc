/*
 * RegExp's ES2015-ES2022 members on top of worker/js/regexp.c (PCRE2):
 * Symbol.match/matchAll/replace/search/split and the RegExp.prototype
 * methods behind them, the dotAll/unicode/sticky/hasIndices/flags getters,
 * and String.prototype.match/matchAll/replace/replaceAll/search/split going
 * through those symbols (ES2022 section 22.1.3, 22.2.5).
 *
 * Loaded on the first RegExp a heap makes (regexp.c, from Duktape's
 * duk_regexp_create_instance) or on the first read of Symbol.match & co.
 * (bootstrap/00-core.js): a heap without regexps pays nothing.
 *
 * The spec's algorithms are here in full; a plain RegExp (its exec is the
 * built-in one) with no feature the old natives lack takes Duktape's
 * String.prototype.match/replace/split natives instead, which call the same
 * PCRE2 exec from C, per match, with no JS frame (measured: 2-4x faster on
 * regex-heavy handlers than the JS loops).
 *
 * provides: global.Symbol: match matchAll replace search split species
 * provides: global.String.prototype: matchAll replaceAll
 */
function (native, global, lib) {
    "use strict";
    var RP = RegExp.prototype, SP = String.prototype;
    var builtinExec = RP.exec;
    var nativeMatch = SP.match, nativeReplace = SP.replace, nativeSplit = SP.split;
    var flagsOf = native.reFlags, execOf = native.reExec;
    var F_G = 0x01, F_Y = 0x20, F_U = 0x10, F_NAMED = 0x100;
    var MAX_LENGTH = 9007199254740991;
    var syms = {};
    var names = ["match", "matchAll", "replace", "search", "split", "species"];
    var i, d;

    function define(o, k, v) {
        Object.defineProperty(o, k, { value: v, writable: true, configurable: true,
                                      enumerable: false });
    }
    function getter(o, k, f) {
        Object.defineProperty(o, k, { get: f, configurable: true, enumerable: false });
    }
    for (i = 0; i < names.length; i++) {
        /* a symbol some polyfill (core-js in lazy/es-modern.js) already made
         * stays: its String methods then find ours under that key */
        d = Object.getOwnPropertyDescriptor(Symbol, names[i]);
        if (d !== undefined && d.get === undefined && typeof d.value === "symbol") {
            syms[names[i]] = d.value;
            continue;
        }
        syms[names[i]] = native.reSymbol(names[i]);
        Object.defineProperty(Symbol, names[i], { value: syms[names[i]], writable: false,
                                                  enumerable: false, configurable: false });
    }

    /* ToString: a Symbol is a TypeError (String(sym) is not) */
    function toStr(v) {
        if (typeof v === "symbol") {
            throw new TypeError("cannot convert a Symbol to a string");
        }
        return String(v);
    }
    function requireObject(o, what) {
        if (o === null || (typeof o !== "object" && typeof o !== "function")) {
            throw new TypeError(what + " called on a non-object");
        }
        return o;
    }
    function requireCoercible(o, what) {
        if (o === null || o === undefined) {
            throw new TypeError(what + " called on null or undefined");
        }
        return o;
    }
    /* only objects are asked for Symbol.match & co. (ES2023: a primitive's
     * prototype is not consulted) */
    function isObject(v) {
        return v !== null && (typeof v === "object" || typeof v === "function");
    }
    function getMethod(v, key) {
        var f = v[key];
        if (f === undefined || f === null) {
            return undefined;
        }
        if (typeof f !== "function") {
            throw new TypeError(String(key.description || "method") + " is not a function");
        }
        return f;
    }
    function isRegExp(v) {
        var m;
        if (v === null || (typeof v !== "object" && typeof v !== "function")) {
            return false;
        }
        m = v[syms.match];
        if (m !== undefined) {
            return !!m;
        }
        return flagsOf(v) >= 0;
    }
    /* The flag bits when r is a RegExp whose exec is the built-in one, else -1 */
    function plain(r) {
        var f = flagsOf(r);
        return f >= 0 && r.exec === builtinExec ? f : -1;
    }
    function speciesConstructor(r) {
        var c = r.constructor, s;
        if (c === undefined) {
            return RegExp;
        }
        if (c === null || (typeof c !== "object" && typeof c !== "function")) {
            throw new TypeError("object.constructor is not an object");
        }
        s = c[syms.species];
        if (s === undefined || s === null) {
            return RegExp;
        }
        if (typeof s !== "function") {
            throw new TypeError("object.constructor[Symbol.species] is not a constructor");
        }
        return s;
    }
    /* get RegExp[Symbol.species]: this (subclasses inherit it) */
    d = Object.getOwnPropertyDescriptor(RegExp, syms.species);
    if (d === undefined) {
        d = function () { return this; };
        Object.defineProperty(d, "name", { value: "get [Symbol.species]" });
        Object.defineProperty(RegExp, syms.species, { get: d, configurable: true,
                                                      enumerable: false });
    }

    function flagGetter(bit, name) {
        return function () {
            var f = flagsOf(this);
            if (f < 0) {
                if (this === RP) {
                    return undefined;
                }
                throw new TypeError("RegExp.prototype." + name + " getter called on a non-RegExp");
            }
            return (f & bit) !== 0;
        };
    }
    getter(RP, "dotAll", flagGetter(0x08, "dotAll"));
    getter(RP, "unicode", flagGetter(0x10, "unicode"));
    getter(RP, "sticky", flagGetter(0x20, "sticky"));
    getter(RP, "hasIndices", flagGetter(0x40, "hasIndices"));
    getter(RP, "flags", function () {
        var r = requireObject(this, "RegExp.prototype.flags getter"), s = "";
        if (r.hasIndices) { s += "d"; }
        if (r.global) { s += "g"; }
        if (r.ignoreCase) { s += "i"; }
        if (r.multiline) { s += "m"; }
        if (r.dotAll) { s += "s"; }
        if (r.unicode) { s += "u"; }
        if (r.sticky) { s += "y"; }
        return s;
    });


    /* The spec's algorithms past the natives' fast paths (a RegExp with a
     * user exec, y/u flags, named groups with $<..>, a species, matchAll,
     * $ patterns of replaceAll): made on first use (each function here
     * costs a heap its closure, its template and its strings: a first
     * RegExp 37.3 -> 30.3 KB when all take the fast paths, README "Lazy
     * function templates, compaction, a smaller string table"). */
    var slow;
    function spec() {
        if (slow === undefined) {
            slow = makeSlow();
        }
        return slow;
    }
    function makeSlow() {
        function toLength(v) {
            v = Number(v);
            if (!(v > 0)) {
                return 0;
            }
            v = Math.floor(v);
            return v > MAX_LENGTH ? MAX_LENGTH : v;
        }
        function toIntegerOrInfinity(v) {
            v = Number(v);
            if (v !== v || v === 0) {
                return 0;
            }
            return v < 0 ? -Math.floor(-v) : Math.floor(v);
        }
        function advance(s, index, unicode) {
            var c;
            if (!unicode || index + 1 >= s.length) {
                return index + 1;
            }
            c = s.charCodeAt(index);
            if (c >= 0xD800 && c <= 0xDBFF) {
                c = s.charCodeAt(index + 1);
                if (c >= 0xDC00 && c <= 0xDFFF) {
                    return index + 2;
                }
            }
            return index + 1;
        }
        /* RegExpExec: a user's exec, or the built-in one */
        function regExpExec(r, s) {
            var exec = r.exec, result;
            if (typeof exec === "function" && exec !== builtinExec) {
                result = exec.call(r, s);
                if (result !== null && typeof result !== "object") {
                    throw new TypeError("exec must return an object or null");
                }
                return result;
            }
            if (flagsOf(r) < 0) {
                throw new TypeError("RegExp exec called on an incompatible receiver");
            }
            return execOf(r, s);
        }
        /* ES2022 22.2.5.11 GetSubstitution */
        function getSubstitution(matched, str, position, captures, named, replacement) {
            var tail = position + matched.length, m = captures.length, out = "", i = 0;
            var len = replacement.length, c, d, num, num2, used, cap, gt;
            if (replacement.indexOf("$") < 0) {
                return replacement;
            }
            while (i < len) {
                c = replacement.charAt(i);
                if (c !== "$" || i + 1 >= len) {
                    out += c;
                    i++;
                    continue;
                }
                d = replacement.charAt(i + 1);
                if (d === "$") {
                    out += "$";
                    i += 2;
                } else if (d === "&") {
                    out += matched;
                    i += 2;
                } else if (d === "`") {
                    out += str.substring(0, position);
                    i += 2;
                } else if (d === "'") {
                    if (tail < str.length) {
                        out += str.substring(tail);
                    }
                    i += 2;
                } else if (d >= "0" && d <= "9") {
                    num = d.charCodeAt(0) - 48;
                    used = 2;
                    c = replacement.charAt(i + 2);
                    if (c >= "0" && c <= "9") {
                        num2 = num * 10 + c.charCodeAt(0) - 48;
                        if (num2 >= 1 && num2 <= m) {
                            num = num2;
                            used = 3;
                        }
                    }
                    if (num >= 1 && num <= m) {
                        cap = captures[num - 1];
                        if (cap !== undefined) {
                            out += cap;
                        }
                        i += used;
                    } else {
                        out += "$";
                        i++;
                    }
                } else if (d === "<") {
                    gt = named === undefined ? -1 : replacement.indexOf(">", i + 2);
                    if (gt < 0) {
                        out += "$<";
                        i += 2;
                    } else {
                        cap = named[replacement.substring(i + 2, gt)];
                        if (cap !== undefined) {
                            out += String(cap);
                        }
                        i = gt + 1;
                    }
                } else {
                    out += "$";
                    i++;
                }
            }
            return out;
        }

        /* %RegExpStringIteratorPrototype% */
        var STATE = Symbol("RegExpStringIterator");
        var IterProto = {};
        define(IterProto, "next", function next() {
            var st = this !== null && typeof this === "object" ? this[STATE] : undefined, m;
            if (st === undefined) {
                throw new TypeError("not a RegExp String Iterator");
            }
            if (st.done) {
                return { value: undefined, done: true };
            }
            m = regExpExec(st.r, st.s);
            if (m === null) {
                st.done = true;
                return { value: undefined, done: true };
            }
            if (!st.g) {
                st.done = true;
                return { value: m, done: false };
            }
            if (String(m[0]) === "") {
                st.r.lastIndex = advance(st.s, toLength(st.r.lastIndex), st.u);
            }
            return { value: m, done: false };
        });
        if (Symbol.iterator !== undefined) {
            define(IterProto, Symbol.iterator, function () { return this; });
        }
        Object.defineProperty(IterProto, Symbol.toStringTag, { value: "RegExp String Iterator",
                                                               configurable: true });

        return {
            match: function (rx, s) {
                var a, n, result, str, unicode, flags = toStr(rx.flags);
                if (flags.indexOf("g") < 0) {
                    return regExpExec(rx, s);
                }
                unicode = flags.indexOf("u") >= 0 || flags.indexOf("v") >= 0;
                rx.lastIndex = 0;
                a = [];
                n = 0;
                for (;;) {
                    result = regExpExec(rx, s);
                    if (result === null) {
                        return n === 0 ? null : a;
                    }
                    str = String(result[0]);
                    a[n++] = str;
                    if (str === "") {
                        rx.lastIndex = advance(s, toLength(rx.lastIndex), unicode);
                    }
                }
            },
            replace: function (rx, s, replaceValue, fn) {
                var len = s.length, flags, glob, unicode = false;
                var results = [], result, str, acc = "", next = 0, k, n, ncap, matched, position;
                var captures, named, replacement, args;
                flags = toStr(rx.flags);
                glob = flags.indexOf("g") >= 0;
                if (glob) {
                    unicode = flags.indexOf("u") >= 0 || flags.indexOf("v") >= 0;
                    rx.lastIndex = 0;
                }
                for (;;) {
                    result = regExpExec(rx, s);
                    if (result === null) {
                        break;
                    }
                    results.push(result);
                    if (!glob) {
                        break;
                    }
                    str = String(result[0]);
                    if (str === "") {
                        rx.lastIndex = advance(s, toLength(rx.lastIndex), unicode);
                    }
                }
                for (k = 0; k < results.length; k++) {
                    result = results[k];
                    ncap = Math.max(toLength(result.length) - 1, 0);
                    matched = String(result[0]);
                    position = Math.max(Math.min(toIntegerOrInfinity(result.index), len), 0);
                    captures = [];
                    for (n = 1; n <= ncap; n++) {
                        str = result[n];
                        captures.push(str === undefined ? undefined : String(str));
                    }
                    named = result.groups;
                    if (fn) {
                        args = [matched].concat(captures, [position, s]);
                        if (named !== undefined) {
                            args.push(named);
                        }
                        replacement = String(replaceValue.apply(undefined, args));
                    } else {
                        if (named !== undefined) {
                            named = Object(requireCoercible(named, "groups"));
                        }
                        replacement = getSubstitution(matched, s, position, captures, named,
                                                      replaceValue);
                    }
                    if (position >= next) {
                        acc += s.substring(next, position) + replacement;
                        next = position + matched.length;
                    }
                }
                return next >= len ? acc : acc + s.substring(next);
            },
            search: function (rx, s) {
                var prev = rx.lastIndex, result, cur;
                if (!(prev === 0 && 1 / prev > 0)) {
                    rx.lastIndex = 0;
                }
                result = regExpExec(rx, s);
                cur = rx.lastIndex;
                if (!(cur === prev ? cur !== 0 || 1 / cur === 1 / prev
                      : cur !== cur && prev !== prev)) {
                    rx.lastIndex = prev;
                }
                return result === null ? -1 : result.index;
            },
            split: function (rx, s, C, limit) {
                var flags, unicode, splitter, a = [], n = 0, lim, size, p, q, z, e, ncap, k;
                flags = toStr(rx.flags);
                unicode = flags.indexOf("u") >= 0;
                splitter = new C(rx, flags.indexOf("y") >= 0 ? flags : flags + "y");
                lim = limit === undefined ? 4294967295 : limit >>> 0;
                if (lim === 0) {
                    return a;
                }
                size = s.length;
                if (size === 0) {
                    if (regExpExec(splitter, s) === null) {
                        a[0] = s;
                    }
                    return a;
                }
                p = q = 0;
                while (q < size) {
                    splitter.lastIndex = q;
                    z = regExpExec(splitter, s);
                    if (z === null) {
                        q = advance(s, q, unicode);
                        continue;
                    }
                    e = Math.min(toLength(splitter.lastIndex), size);
                    if (e === p) {
                        q = advance(s, q, unicode);
                        continue;
                    }
                    a[n++] = s.substring(p, q);
                    if (n === lim) {
                        return a;
                    }
                    p = e;
                    ncap = Math.max(toLength(z.length) - 1, 0);
                    for (k = 1; k <= ncap; k++) {
                        a[n++] = z[k];
                        if (n === lim) {
                            return a;
                        }
                    }
                    q = p;
                }
                a[n] = s.substring(p, size);
                return a;
            },
            matchAll: function (r, s, matcher, flags) {
                var it;
                matcher.lastIndex = toLength(r.lastIndex);
                it = Object.create(IterProto);
                Object.defineProperty(it, STATE, { value: { r: matcher, s: s, done: false,
                                                            g: flags.indexOf("g") >= 0,
                                                            u: flags.indexOf("u") >= 0 } });
                return it;
            },
            getSubstitution: getSubstitution
        };
    }

    define(RP, syms.match, function (string) {
        var rx = requireObject(this, "RegExp.prototype[Symbol.match]");
        var s = toStr(string), f = plain(rx);
        if (f >= 0 && !(f & F_U)) {
            return nativeMatch.call(s, rx);
        }
        return spec().match(rx, s);
    });
    Object.defineProperty(RP[syms.match], "name", { value: "[Symbol.match]" });

    define(RP, syms.replace, function (string, replaceValue) {
        var rx = requireObject(this, "RegExp.prototype[Symbol.replace]");
        var s = toStr(string), f = plain(rx);
        var fn = typeof replaceValue === "function";
        if (!fn) {
            replaceValue = String(replaceValue);
        }
        if (f >= 0 && !(f & F_Y) && !((f & F_U) && (f & F_G))
            && !((f & F_NAMED) && (fn || replaceValue.indexOf("$<") >= 0))) {
            return nativeReplace.call(s, rx, replaceValue);
        }
        return spec().replace(rx, s, replaceValue, fn);
    });
    Object.defineProperty(RP[syms.replace], "name", { value: "[Symbol.replace]" });

    define(RP, syms.search, function (string) {
        var rx = requireObject(this, "RegExp.prototype[Symbol.search]");
        return spec().search(rx, toStr(string));
    });
    Object.defineProperty(RP[syms.search], "name", { value: "[Symbol.search]" });

    define(RP, syms.split, function (string, limit) {
        var rx = requireObject(this, "RegExp.prototype[Symbol.split]");
        var s = toStr(string), C = speciesConstructor(rx), f = plain(rx);
        if (C === RegExp && f >= 0 && !(f & (F_Y | F_U))) {
            return nativeSplit.call(s, rx, limit);
        }
        return spec().split(rx, s, C, limit);
    });
    Object.defineProperty(RP[syms.split], "name", { value: "[Symbol.split]" });

    define(RP, syms.matchAll, function (string) {
        var r = requireObject(this, "RegExp.prototype[Symbol.matchAll]");
        var s = toStr(string), C = speciesConstructor(r), flags = toStr(r.flags);
        return spec().matchAll(r, s, new C(r, flags), flags);
    });
    Object.defineProperty(RP[syms.matchAll], "name", { value: "[Symbol.matchAll]" });

    /* String.prototype: through the symbols (ES2022 22.1.3) */
    define(SP, "match", function match(regexp) {
        var m;
        requireCoercible(this, "String.prototype.match");
        if (isObject(regexp)) {
            m = getMethod(regexp, syms.match);
            if (m !== undefined) {
                return m.call(regexp, this);
            }
        }
        return RP[syms.match].call(new RegExp(regexp), String(this));
    });
    define(SP, "matchAll", function matchAll(regexp) {
        var m, flags;
        requireCoercible(this, "String.prototype.matchAll");
        if (isObject(regexp)) {
            if (isRegExp(regexp)) {
                flags = requireCoercible(regexp.flags, "String.prototype.matchAll flags");
                if (String(flags).indexOf("g") < 0) {
                    throw new TypeError("String.prototype.matchAll called with a non-global "
                                        + "RegExp argument");
                }
            }
            m = getMethod(regexp, syms.matchAll);
            if (m !== undefined) {
                return m.call(regexp, this);
            }
        }
        return RP[syms.matchAll].call(new RegExp(regexp, "g"), String(this));
    });
    define(SP, "replace", function replace(searchValue, replaceValue) {
        var m;
        requireCoercible(this, "String.prototype.replace");
        if (isObject(searchValue)) {
            m = getMethod(searchValue, syms.replace);
            if (m !== undefined) {
                return m.call(searchValue, this, replaceValue);
            }
        }
        return nativeReplace.call(this, String(searchValue), replaceValue);
    });
    define(SP, "replaceAll", function replaceAll(searchValue, replaceValue) {
        var m, flags, s, search, fn, slen, step, pos, positions = [], end = 0, out = "", k;
        requireCoercible(this, "String.prototype.replaceAll");
        if (isObject(searchValue)) {
            if (isRegExp(searchValue)) {
                flags = requireCoercible(searchValue.flags, "String.prototype.replaceAll flags");
                if (String(flags).indexOf("g") < 0) {
                    throw new TypeError("replaceAll must be called with a global RegExp");
                }
            }
            m = getMethod(searchValue, syms.replace);
            if (m !== undefined) {
                return m.call(searchValue, this, replaceValue);
            }
        }
        s = String(this);
        search = String(searchValue);
        fn = typeof replaceValue === "function";
        if (!fn) {
            replaceValue = String(replaceValue);
        }
        slen = search.length;
        step = slen > 0 ? slen : 1;
        pos = s.indexOf(search, 0);
        while (pos !== -1) {
            positions.push(pos);
            pos = pos + step > s.length ? -1 : s.indexOf(search, pos + step);
        }
        for (k = 0; k < positions.length; k++) {
            pos = positions[k];
            out += s.substring(end, pos)
                   + (fn ? String(replaceValue.call(undefined, search, pos, s))
                      : spec().getSubstitution(search, s, pos, [], undefined, replaceValue));
            end = pos + slen;
        }
        return end < s.length ? out + s.substring(end) : out;
    });
    define(SP, "search", function search(regexp) {
        var m;
        requireCoercible(this, "String.prototype.search");
        if (isObject(regexp)) {
            m = getMethod(regexp, syms.search);
            if (m !== undefined) {
                return m.call(regexp, this);
            }
        }
        return RP[syms.search].call(new RegExp(regexp), String(this));
    });
    define(SP, "split", function split(separator, limit) {
        var m;
        requireCoercible(this, "String.prototype.split");
        if (isObject(separator)) {
            m = getMethod(separator, syms.split);
            if (m !== undefined) {
                return m.call(separator, this, limit);
            }
        }
        return nativeSplit.call(String(this), separator === undefined ? undefined
                                : String(separator), limit);
    });
}
