/* duk-patches/92-*: the `arguments` object built at its final size (array part
 * filled in place, a parameter map only when a formal is mapped) and scope
 * records made with their table sized once. Mapped and unmapped objects,
 * strict mode, aliasing with formals both ways, repeated formal names,
 * fewer and more arguments than formals, escaping to closures, apply and
 * spread, property order and attributes. Sloppy code except where strict
 * is the point. */
(function () {
    var eq = T.eq;
    function desc(o, k) {
        var d = Object.getOwnPropertyDescriptor(o, k);
        return d ? [d.writable, d.enumerable, d.configurable, "value" in d] : null;
    }

    // Sloppy, mapped: formals and arguments[i] are the same binding, both ways.
    function mapped(a, b) {
        var r = [arguments.length, a, b, arguments[0], arguments[1]];
        a = "A";
        r.push(arguments[0]);
        arguments[1] = "B";
        r.push(b);
        return r;
    }
    eq("mapped: both ways", mapped(1, 2), [2, 1, 2, 1, 2, "A", "B"]);
    eq("mapped: fewer arguments than formals", (function (a, b) {
        b = "b";
        return [arguments.length, arguments[1], b, 1 in arguments];
    }(1)), [1, undefined, "b", false]);
    eq("mapped: more arguments than formals", (function (a) {
        arguments[2] = "z";
        a = "a";
        return [arguments.length, arguments[0], arguments[1], arguments[2]];
    }(1, 2, 3)), [3, "a", 2, "z"]);
    eq("mapped: delete breaks the alias", (function (a) {
        delete arguments[0];
        a = "later";
        return [arguments[0], 0 in arguments, arguments.length];
    }(1)), [undefined, false, 1]);
    eq("mapped: defineProperty with a value writes the formal, then unmaps", (function (a) {
        Object.defineProperty(arguments, "0", { value: "v", writable: false });
        var r = [a, arguments[0]];
        a = "after";
        r.push(arguments[0]);
        return r;
    }(1)), ["v", "v", "v"]);

    // Repeated formal names: the last one is the binding; the map points the
    // last index holding the name to it, earlier indexes are plain.
    eq("repeated formals", (function (a, a) {
        var r = [a, arguments[0], arguments[1]];
        a = "x";
        r.push(arguments[0], arguments[1]);
        arguments[0] = "first";
        r.push(a);
        arguments[1] = "second";
        r.push(a);
        return r;
    }(1, 2)), [2, 1, 2, 1, "x", "x", "second"]);
    // With one argument index 0 is mapped to the name (no later index holds
    // it among the passed ones), so to the second formal's binding.
    eq("repeated formals, one argument", (function (a, a) {
        var r = [a];
        a = "x";
        return r.concat([arguments.length, arguments[0], a]);
    }(1)), [undefined, 1, "x", "x"]);
    eq("three with a repeat", (function (a, b, a) {
        a = "A";
        b = "B";
        return [arguments[0], arguments[1], arguments[2]];
    }(1, 2, 3)), [1, "B", "A"]);

    // Strict: no aliasing, callee throws.
    function strict(a, b) {
        "use strict";
        var r = [arguments.length, arguments[0]];
        a = "A";
        r.push(arguments[0]);
        arguments[1] = "B";
        r.push(b);
        var thrown = "none";
        try {
            return arguments.callee;
        } catch (e) {
            thrown = e.name;
        }
        r.push(thrown);
        return r;
    }
    eq("strict: unmapped, callee throws", strict(1, 2, 3), [3, 1, 1, 2, "TypeError"]);
    eq("strict: no arguments", (function () {
        "use strict";
        return [arguments.length, Object.keys(arguments), 0 in arguments];
    }()), [0, [], false]);

    // Sloppy without formals (Babel's helpers): a plain object, not mapped.
    function helper() {
        for (var n = arguments.length, a = new Array(n), k = 0; k < n; k++) {
            a[k] = arguments[k];
        }
        return a;
    }
    eq("rest by copy", helper(1, "two", null, undefined, { t: 3 }),
       [1, "two", null, null, { t: 3 }]);
    eq("rest of nothing", helper(), []);
    eq("callee is the function", (function f() { return arguments.callee === f; }()), true);

    // The object itself.
    (function (a) {
        eq("class", Object.prototype.toString.call(arguments), "[object Arguments]");
        eq("keys in order", Object.keys(arguments), ["0", "1", "2"]);
        eq("own names", Object.getOwnPropertyNames(arguments).sort(),
           ["0", "1", "2", "callee", "length"]);
        eq("index attributes", desc(arguments, "1"), [true, true, true, true]);
        eq("length attributes", desc(arguments, "length"), [true, false, true, true]);
        eq("callee attributes", desc(arguments, "callee"), [true, false, true, true]);
        eq("prototype", Object.getPrototypeOf(arguments) === Object.prototype, true);
        eq("not an array", Array.isArray(arguments), false);
        eq("slice", Array.prototype.slice.call(arguments, 1), ["b", "c"]);
        arguments.length = 1;
        eq("length is writable", [arguments.length, Array.prototype.slice.call(arguments)],
           [1, ["a"]]);
        arguments.extra = "e";
        eq("extensible", arguments.extra, "e");
    }("a", "b", "c"));
    (function () {
        "use strict";
        var d = Object.getOwnPropertyDescriptor(arguments, "callee");
        eq("strict callee is an accessor", [typeof d.get, d.get === d.set, d.enumerable,
                                            d.configurable], ["function", true, false, false]);
    }());

    // Escaping: kept by a closure and returned, alive after the call; a
    // mapped one still aliases the (closed) formal.
    function escape(a) {
        var args = arguments;
        return {
            args: args,
            get: function () { return a; },
            set: function (v) { a = v; }
        };
    }
    var esc = escape(1, 2);
    esc.set("s");
    eq("escaped: formal written by a closure", [esc.args[0], esc.args.length], ["s", 2]);
    esc.args[0] = "t";
    eq("escaped: arguments written after return", esc.get(), "t");
    var several = [];
    for (var i = 0; i < 5; i++) {
        several.push((function () { return arguments; }(i, i * 2)));
    }
    eq("each call has its own object", several.map(function (x) { return [x[0], x[1]]; }),
       [[0, 0], [1, 2], [2, 4], [3, 6], [4, 8]]);

    // apply and spread-like forwarding (what nanod-build emits for ...args).
    function sum() {
        var s = 0;
        for (var k = 0; k < arguments.length; k++) {
            s += arguments[k];
        }
        return s;
    }
    function forward() {
        return sum.apply(null, arguments);
    }
    eq("apply(arguments)", forward(1, 2, 3, 4), 10);
    var ones = [];
    for (var j = 0; j < 300; j++) {
        ones.push(1);
    }
    eq("apply of a long list", sum.apply(null, ones), 300);
    eq("call through bind", sum.bind(null, 1, 2)(3, 4), 10);
    function tail(a) {
        return (function () { return [arguments.length, a]; }).apply(null, arguments);
    }
    eq("arguments of a call made with apply", tail(1, 2, 3), [3, 1]);
    eq("constructor with arguments", new (function (a, b) {
        this.n = arguments.length;
        this.v = [a, arguments[1]];
    })(1, 2, 3), { n: 3, v: [1, 2] });

    // Reference types: the same objects, counted (an object argument kept
    // by arguments only survives the call).
    function keep() {
        return arguments;
    }
    var kept = keep({ k: 1 }, [2], "s");
    eq("object arguments survive", [kept[0].k, kept[1][0], kept[2]], [1, 2, "s"]);

    // A function with many formals and locals (a scope record with a hash
    // part), closures reading them.
    function many(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, b0, b1, b2, b3, b4, b5, b6, b7, b8,
                  b9) {
        var c0 = 0, c1 = 1, c2 = 2, c3 = 3;
        a5 = "five";
        return function () {
            return [arguments.length, a0, a5, b9, c3, a9 + b0];
        };
    }
    eq("a big scope record", many(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                  19)(1, 2), [2, 0, "five", 19, 3, 19]);
    eq("a big mapped arguments", (function (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, b0, b1, b2,
                                           b3, b4, b5, b6, b7, b8, b9) {
        b9 = "last";
        arguments[0] = "first";
        return [arguments.length, arguments[19], a0, arguments[20]];
    }(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)),
       [21, "last", "first", 20]);
}());
