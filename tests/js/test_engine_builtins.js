/* duk-patches/93-*: fast paths of String.prototype.split (a string separator,
 * no limit), Array.prototype.join (a dense array of primitives) and the URI
 * functions (input they leave unchanged). Each answer is checked against
 * what the general algorithm gives (results written out, or the general
 * path reached another way: a limit, a hole, an object element), at the
 * fast paths' edges: empty strings and pieces, separators at the ends and
 * adjacent, multi-byte and non-ASCII text, 256/257 pieces or elements. */
(function () {
    "use strict";
    var eq = T.eq;
    var errName = T.errName;
    function rep(s, n) {
        var out = [];
        for (var i = 0; i < n; i++) {
            out.push(s);
        }
        return out;
    }

    // split with a string separator and no limit: the fast path; the same
    // with a huge limit: the general loop. Both must agree.
    var cases = [
        ["a=1&b=two", "&"], ["a=1&b=two", "="], ["", "&"], ["&", "&"], ["&&", "&"],
        ["&a&", "&"], ["abc", "abcd"], ["abc", "abc"], ["aaa", "aa"], ["aaaa", "aa"],
        ["x--y----z", "--"], ["1+2+3", "+"], ["no-sep", "&"], ["caf\u00e9&\u00e9t\u00e9", "\u00e9"],
        ["\u20ac1\u20ac2", "\u20ac"], ["a\ud83d\ude00b\ud83d\ude00", "\ud83d\ude00"],
        ["a\u00e9b", "\u00a9"], ["ab\u0000cd\u0000", "\u0000"]
    ];
    cases.forEach(function (c) {
        eq("split " + JSON.stringify(c), c[0].split(c[1]), c[0].split(c[1], 0xffffffff));
    });
    eq("split: query", "a=1&b=two".split("&"), ["a=1", "b=two"]);
    eq("split: empty input", "".split(","), [""]);
    eq("split: separator only", ",".split(","), ["", ""]);
    eq("split: overlapping", "aaa".split("aa"), ["", "a"]);
    eq("split: non-ASCII", "caf\u00e9&\u00e9t\u00e9".split("\u00e9"), ["caf", "&", "t", ""]);
    eq("split: astral separator", "a\ud83d\ude00b".split("\ud83d\ude00"), ["a", "b"]);
    eq("split: pieces are strings with lengths", "\u00e9\u00e9,x".split(",").map(function (s) {
        return s.length;
    }), [2, 1]);
    var many = rep("p", 300).join(",");
    eq("split: 256 pieces", many.split(",").slice(0, 256).join(",").split(",").length, 256);
    eq("split: 255 separators", rep("q", 256).join(";").split(";"), rep("q", 256));
    eq("split: 257 pieces (general loop)", rep("q", 257).join(";").split(";"), rep("q", 257));
    eq("split: 300 pieces", many.split(","), rep("p", 300));
    eq("split: with a limit", "a,b,c".split(",", 2), ["a", "b"]);
    eq("split: limit 0", "a,b".split(",", 0), []);
    eq("split: undefined separator", "a,b".split(undefined), ["a,b"]);
    eq("split: empty separator", "abc".split(""), ["a", "b", "c"]);
    eq("split: number separator", "1021".split(2), ["10", "1"]);
    eq("split: regexp separator", "a1b22c".split(/\d+/), ["a", "b", "c"]);
    eq("split: object separator", "a.b".split({ toString: function () { return "."; } }), ["a", "b"]);
    eq("split: this coerced", String.prototype.split.call(12321, "2"), ["1", "3", "1"]);
    eq("split: this null throws", errName(function () { String.prototype.split.call(null, ","); }),
       "TypeError");
    eq("split: a new array each time", "a".split(",") !== "a".split(","), true);
    var arr = "x,y".split(",");
    arr.push("z");
    eq("split: an ordinary array", [Array.isArray(arr), arr.length, arr], [true, 3, ["x", "y", "z"]]);

    // join: dense arrays of primitives (fast) against the same values
    // reached through a hole or an object (general path).
    eq("join: strings", ["a", "b", "c"].join("-"), "a-b-c");
    eq("join: default separator", ["a", "b"].join(), "a,b");
    eq("join: undefined separator", ["a", "b"].join(undefined), "a,b");
    eq("join: empty separator", ["a", "b"].join(""), "ab");
    eq("join: one element", ["only"].join("+"), "only");
    eq("join: one number", [12].join("+"), "12");
    eq("join: one undefined", [undefined].join("+"), "");
    eq("join: empty array", [].join("+"), "");
    eq("join: mixed primitives", [1, "two", true, null, undefined, 2.5, -0, NaN].join("|"),
       "1|two|true|||2.5|0|NaN");
    eq("join: non-ASCII", ["\u00e9", "\u20ac", "\ud83d\ude00"].join("\u00b7"),
       "\u00e9\u00b7\u20ac\u00b7\ud83d\ude00");
    eq("join: number separator", ["a", "b"].join(0), "a0b");
    eq("join: object separator", ["a", "b"].join({ toString: function () { return "::"; } }),
       "a::b");
    eq("join: object element", ["a", { toString: function () { return "o"; } }, "b"].join(","),
       "a,o,b");
    eq("join: nested array", [1, [2, 3], 4].join(";"), "1;2,3;4");
    var holes = ["a", , "c"];
    eq("join: a hole", holes.join(","), "a,,c");
    Array.prototype[1] = "inherited";
    eq("join: a hole reads the prototype", holes.join(","), "a,inherited,c");
    delete Array.prototype[1];
    eq("join: symbol element throws", errName(function () { [Symbol("s")].join(","); }),
       "TypeError");
    eq("join: 256 elements", rep("e", 256).join("").length, 256);
    eq("join: 257 elements", rep("e", 257).join("").length, 257);
    eq("join: 5000 elements", rep("ab", 5000).join(",").length, 5000 * 3 - 1);
    eq("join: array-like", Array.prototype.join.call({ length: 2, 0: "x", 1: "y" }, "+"), "x+y");
    eq("join: string this", Array.prototype.join.call("abc", "-"), "a-b-c");
    var cyc = ["a"];
    cyc.push(cyc);
    eq("join: a cycle", errName(function () { return cyc.join(","); }), "RangeError");
    var grown = [];
    grown[3] = "d";
    eq("join: sparse", grown.join("."), "...d");
    eq("join: length set past the elements", (function () {
        var a = ["x", "y"];
        a.length = 4;
        return a.join("-");
    }()), "x-y--");
    eq("toLocaleString unaffected", [1, "b"].toLocaleString(), "1,b");

    // URI functions: unchanged input answered as is; anything else escaped
    // or decoded as before.
    eq("decodeURIComponent: plain", decodeURIComponent("two"), "two");
    eq("decodeURIComponent: empty", decodeURIComponent(""), "");
    eq("decodeURIComponent: reserved kept", decodeURIComponent("a/b?c#d&e=f"), "a/b?c#d&e=f");
    eq("decodeURIComponent: escapes", decodeURIComponent("a%20b%C3%A9%2F"), "a b\u00e9/");
    eq("decodeURIComponent: non-ASCII input", decodeURIComponent("\u00e9%41"), "\u00e9A");
    eq("decodeURIComponent: non-ASCII without escapes", decodeURIComponent("\u00e9t\u00e9"),
       "\u00e9t\u00e9");
    eq("decodeURIComponent: malformed", errName(function () { decodeURIComponent("%E0%A4%A"); }),
       "URIError");
    eq("decodeURIComponent: lone percent", errName(function () { decodeURIComponent("100%"); }),
       "URIError");
    eq("decodeURIComponent: number", decodeURIComponent(42), "42");
    eq("decodeURIComponent: undefined", decodeURIComponent(), "undefined");
    eq("decodeURI: reserved escapes kept", decodeURI("a%2Fb%20c"), "a%2Fb c");
    eq("decodeURI: plain", decodeURI("http://h/p?q=1#f"), "http://h/p?q=1#f");
    eq("encodeURIComponent: plain", encodeURIComponent("abc-_.!~*'()XYZ09"), "abc-_.!~*'()XYZ09");
    eq("encodeURIComponent: reserved", encodeURIComponent("a/b?c=d&e#f g"),
       "a%2Fb%3Fc%3Dd%26e%23f%20g");
    eq("encodeURIComponent: non-ASCII", encodeURIComponent("\u00e9\u20ac"), "%C3%A9%E2%82%AC");
    eq("encodeURIComponent: lone surrogate", errName(function () {
        encodeURIComponent("\ud800");
    }), "URIError");
    eq("encodeURI: reserved kept", encodeURI("http://h/p?q=1&r=2#f"), "http://h/p?q=1&r=2#f");
    eq("encodeURI: space and percent", encodeURI("a b%"), "a%20b%25");
    eq("round trip", decodeURIComponent(encodeURIComponent("k=v&\u00e9 /")), "k=v&\u00e9 /");
    eq("symbol argument throws", errName(function () { decodeURIComponent(Symbol("u")); }),
       "TypeError");

    // What the json handler does (scripts/bench/peers/common.js).
    function decodePart(s) {
        return decodeURIComponent(s.split("+").join(" "));
    }
    eq("decodePart", ["1", "two", "a+b", "%41+%42", "+"].map(decodePart),
       ["1", "two", "a b", "A B", " "]);
}());
