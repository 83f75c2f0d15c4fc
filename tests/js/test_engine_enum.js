/* duk-patches/94-*: for-in enumerators built with their table sized once and
 * keys appended in place, their position (_Next) and target read and written
 * in their slots. Order (integer keys first, then insertion order, then the
 * prototype's), shadowed and repeated keys once, deletes and additions
 * during the loop, nested and abandoned loops, big objects (a hash part),
 * arrays, strings, Proxy ownKeys. */
(function () {
    "use strict";
    var eq = T.eq;
    function keys(o) {
        var out = [];
        for (var k in o) {
            out.push(k);
        }
        return out;
    }

    eq("plain object", keys({ a: 1, b: 2 }), ["a", "b"]);
    eq("empty object", keys({}), []);
    eq("integer keys first, ascending", keys({ b: 1, 2: 1, a: 1, 1: 1, 10: 1 }),
       ["1", "2", "10", "b", "a"]);
    eq("values read in the loop", (function () {
        var o = { x: 1, y: 2, z: 3 }, s = 0;
        for (var k in o) {
            s += o[k];
        }
        return s;
    }()), 6);

    function Base() {
        this.own = 1;
    }
    Base.prototype.inherited = 2;
    Base.prototype.shadowed = 3;
    var d = new Base();
    d.shadowed = 4;
    d.later = 5;
    eq("own then inherited, shadowed once", keys(d), ["own", "shadowed", "later", "inherited"]);
    var chain = Object.create(Object.create({ deep: 1, dup: 1 }, {
        mid: { value: 1, enumerable: true },
        dup: { value: 1, enumerable: true, writable: true },
        hidden: { value: 1, enumerable: false }
    }));
    chain.top = 1;
    chain.dup = 2;
    eq("three levels, a key on each once", keys(chain), ["top", "dup", "mid", "deep"]);
    eq("non-enumerable own keys skipped", keys(Object.defineProperty({ a: 1 }, "b", {
        value: 2, enumerable: false })), ["a"]);
    eq("accessors", keys({ get g() { return 1; }, v: 2 }), ["g", "v"]);
    eq("symbols skipped", (function () {
        var o = { a: 1 };
        o[Symbol("s")] = 2;
        return keys(o);
    }()), ["a"]);

    eq("a key deleted during the loop is skipped", (function () {
        var o = { a: 1, b: 2, c: 3 }, seen = [];
        for (var k in o) {
            seen.push(k);
            if (k === "a") {
                delete o.b;
            }
        }
        return seen;
    }()), ["a", "c"]);
    eq("a key added during the loop is not visited", (function () {
        var o = { a: 1, b: 2 }, seen = [];
        for (var k in o) {
            seen.push(k);
            o["n" + k] = 1;
        }
        return [seen, keys(o)];
    }()), [["a", "b"], ["a", "b", "na", "nb"]]);
    eq("nested loops over one object", (function () {
        var o = { a: 1, b: 2 }, pairs = [];
        for (var i in o) {
            for (var j in o) {
                pairs.push(i + j);
            }
        }
        return pairs;
    }()), ["aa", "ab", "ba", "bb"]);
    eq("break, then a new loop starts over", (function () {
        var o = { a: 1, b: 2, c: 3 }, first = null;
        for (var k in o) {
            first = k;
            break;
        }
        return [first, keys(o)];
    }()), ["a", ["a", "b", "c"]]);
    eq("a loop left by an exception", (function () {
        var o = { a: 1, b: 2 }, n = 0;
        try {
            for (var k in o) {
                n++;
                throw new Error(k);
            }
        } catch (e) {
            return [n, e.message, keys(o)];
        }
    }()), [1, "a", ["a", "b"]]);

    var big = {}, want = [];
    for (var i = 0; i < 100; i++) {
        big["k" + i] = i;
        want.push("k" + i);
    }
    eq("100 keys (hash part)", keys(big), want);
    var inheritsBig = Object.create(big);
    inheritsBig.k5 = "own";
    inheritsBig.extra = 1;
    eq("100 inherited keys, one shadowed", keys(inheritsBig),
       ["k5", "extra"].concat(want.filter(function (k) { return k !== "k5"; })));

    eq("array", keys([10, 20, 30]), ["0", "1", "2"]);
    eq("array with holes and a property", (function () {
        var a = [1, , 3];
        a.p = 1;
        return keys(a);
    }()), ["0", "2", "p"]);
    eq("string object", keys(new String("ab")), ["0", "1"]);
    eq("string primitive", keys("xy"), ["0", "1"]);
    eq("typed array", keys(new Uint8Array(3)), ["0", "1", "2"]);
    eq("arguments", (function () { return keys(arguments); }("a", "b")), ["0", "1"]);
    eq("null and undefined", [keys(null), keys(undefined)], [[], []]);
    eq("a function", keys(function () {}), []);
    eq("proxy ownKeys", keys(new Proxy({ a: 1, b: 2, c: 3 }, {
        ownKeys: function () { return ["c", "a"]; }
    })), ["c", "a"]);
    eq("Object.keys agrees", Object.keys(d), ["own", "shadowed", "later"]);
    eq("JSON.stringify agrees", JSON.stringify({ b: 1, 0: 2, a: 3 }), '{"0":2,"b":1,"a":3}');

    // The json handler's loop (scripts/bench/peers/common.js jsonBody).
    eq("own-key count", (function () {
        var q = { a: "1", b: "two" }, n = 0;
        for (var k in q) {
            if (Object.prototype.hasOwnProperty.call(q, k)) {
                n++;
            }
        }
        return n;
    }()), 2);
}());
