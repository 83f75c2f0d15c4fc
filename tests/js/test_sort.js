/* Array.prototype.sort (our duk-patches/11-stable-sort.patch): stable
 * (ES2019), undefined and holes last, comparator edge cases never crash. */
(function () {
    var eq = T.eq;
    var i, a, b, ok;

    // Stability: many equal keys, the original order must survive.
    a = [];
    for (i = 0; i < 2000; i++) {
        a.push({ k: (i * 7919) % 13, i: i });
    }
    a.sort(function (x, y) { return x.k - y.k; });
    ok = true;
    for (i = 1; i < a.length; i++) {
        if (a[i - 1].k > a[i].k || (a[i - 1].k === a[i].k && a[i - 1].i > a[i].i)) {
            ok = false;
        }
    }
    T.check("stable with a comparator (2000 elements, 13 keys)", ok, true);

    // Stability with the default (string) order: "1" and 1 compare equal.
    eq("stable default order", [1, "1", 2, "0", 0, "2", 1].sort(), ["0", 0, 1, "1", 1, 2, "2"]);

    // Default order is by strings.
    eq("default order is textual", [10, 9, 1, 100, 2].sort(), [1, 10, 100, 2, 9]);
    eq("numbers with a comparator", [10, 9, 1, 100, 2].sort(function (x, y) { return x - y; }),
       [1, 2, 9, 10, 100]);
    eq("strings", ["b", "a", "c", "", "ab"].sort(), ["", "a", "ab", "b", "c"]);
    eq("non-BMP and BMP", ["\uD83D\uDE00", "\uFFFF", "a"].sort(), ["a", "\uD83D\uDE00", "\uFFFF"]);

    // undefined and holes: values, then undefineds, then holes; the
    // comparator never sees undefined.
    a = [3, undefined, 1, , 2, undefined, , 0];
    var seen = [];
    a.sort(function (x, y) { seen.push(x, y); return x - y; });
    T.check("sort with holes keeps the length", a.length, 8);
    eq("sort with holes: values", a.slice(0, 4), [0, 1, 2, 3]);
    T.check("sort with holes: undefineds next", a[4] === undefined && 4 in a && 5 in a, true);
    T.check("sort with holes: holes last", !(6 in a) && !(7 in a), true);
    T.check("comparator never gets undefined", seen.indexOf(undefined), -1);

    // Array-likes and sparse objects.
    var o = { length: 5, 0: "d", 2: "a", 4: "c" };
    Array.prototype.sort.call(o);
    eq("array-like", [o[0], o[1], o[2], 3 in o, 4 in o, o.length], ["a", "c", "d", false, false, 5]);

    // Comparator edge cases: inconsistent, NaN, non-numbers, throwing.
    a = [];
    for (i = 0; i < 500; i++) {
        a.push(i);
    }
    b = a.slice().sort(function () { return Math.random() - 0.5; });
    T.check("random comparator: a permutation", b.slice().sort(function (x, y) { return x - y; })
            .join(), a.join());
    b = a.slice().sort(function () { return NaN; });
    T.check("NaN comparator: order kept", b.join(), a.join());
    b = [3, 1, 2].sort(function (x, y) { return String(x - y); });
    eq("string results are numbers", b, [1, 2, 3]);
    b = [3, 1, 2].sort(function (x, y) { return { valueOf: function () { return y - x; } }; });
    eq("object results via valueOf", b, [3, 2, 1]);
    b = [3, 1, 2];
    try {
        b.sort(function () { throw new Error("cmp"); });
        T.fail("throwing comparator", "no error");
    } catch (e) {
        T.check("throwing comparator propagates", e.message, "cmp");
    }
    eq("throwing comparator leaves the array", b, [3, 1, 2]);
    try {
        [2, 1].sort("nope");
        T.fail("non-callable comparator", "no error");
    } catch (e) {
        T.check("non-callable comparator is a TypeError", e instanceof TypeError, true);
    }
    // A comparator that mutates the array while sorting must not crash.
    b = [5, 4, 3, 2, 1];
    b.sort(function (x, y) { b.length = 0; b.push(9, 9, 9); return x - y; });
    T.check("mutating comparator: no crash", b.length >= 0, true);
    // Symbols cannot be turned into strings: TypeError, as in V8.
    try {
        [Symbol("a"), Symbol("b")].sort();
        T.fail("symbols", "no error");
    } catch (e) {
        T.check("symbols with the default order: TypeError", e instanceof TypeError, true);
    }
    // A single symbol is never compared: no error.
    T.check("one symbol sorts", [Symbol("s")].sort().length, 1);
    // Mixed primitives and objects by their strings; values written back.
    a = [true, null, 10, "x", { toString: function () { return "m"; } }, false, 9, NaN];
    b = a.sort();
    eq("mixed types by string", b.map(String), ["10", "9", "NaN", "false", "m", "null", "true",
                                                "x"]);
    T.check("numbers stay numbers", typeof b[0], "number");
    T.check("null stays null", b[5], null);
    // toString is used for objects.
    eq("objects by toString", [{ toString: function () { return "b"; } }, "a"].sort().map(String),
       ["a", "b"]);
    // Returns the same object, empty and one-element arrays.
    a = [];
    T.check("returns this", a.sort() === a, true);
    eq("one element", [1].sort(), [1]);
    // A big sort is correct.
    a = [];
    for (i = 0; i < 30000; i++) {
        a.push((i * 104729) % 30011);
    }
    a.sort(function (x, y) { return x - y; });
    ok = true;
    for (i = 1; i < a.length; i++) {
        if (a[i - 1] > a[i]) {
            ok = false;
        }
    }
    T.check("30000 numbers sorted", ok, true);
})();
