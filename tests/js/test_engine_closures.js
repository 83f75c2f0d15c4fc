/* duk-patches/96-*: a closure's properties are written into its table in
 * place (no generic define per property, the table sized once). What the
 * closure gets must not change: its own properties, their order, values and
 * attributes (fileName, length, name; prototype made on first look by 50),
 * and the internal ones the engine reads later: _Varmap (its scope record
 * when it makes closures or reads arguments), _Formals (length, the
 * arguments map), _Pc2line (line numbers in errors). */
(function () {
    var eq = T.eq;
    var FILE = "tests/js/test_engine_closures.js";

    function describe(f) {
        var names = Object.getOwnPropertyNames(f), out = [];
        for (var i = 0; i < names.length; i++) {
            var ds = Object.getOwnPropertyDescriptor(f, names[i]);
            var v = ds.value;
            out.push(names[i] + ":" +
                     (typeof v === "string" ? (v === FILE ? "FILE" : JSON.stringify(v)) :
                      typeof v === "object" ? "object" : String(v)) + ":" +
                     (ds.writable ? "w" : "") + (ds.enumerable ? "e" : "") +
                     (ds.configurable ? "c" : ""));
        }
        return out.join(" ");
    }
    function make() {
        return [
            function (a, b) { return a + b; },
            function named(a) { return a; },
            (function () { "use strict"; return function (x, y, z) { return z; }; }()),
            (function () { "use strict"; return function sn() { return 1; }; }()),
            (function () { return function inner(a, b, c, d) { return a; }; }())
        ];
    }
    var fs = make();
    eq("own properties, order and attributes", [
        describe(fs[0]), describe(fs[1]), describe(fs[2]), describe(fs[3]), describe(fs[4])
    ], [
        "fileName:FILE:c length:2:c prototype:object:w",
        "fileName:FILE:c length:1:c name:\"named\":c prototype:object:w",
        "fileName:FILE:c length:3:c prototype:object:w",
        "fileName:FILE:c length:0:c name:\"sn\":c prototype:object:w",
        "fileName:FILE:c length:4:c name:\"inner\":c prototype:object:w"
    ]);
    // Before prototype is looked at: exactly the copied ones.
    var fresh = make();
    eq("before the prototype exists", [Object.keys(fresh[1]).length,
        Object.getOwnPropertyNames(fresh[1]).slice(0, 3)],
       [0, ["fileName", "length", "name"]]);
    eq("strict closures: caller/arguments inherited throwers",
       [fresh[2].hasOwnProperty("caller"), fresh[2].hasOwnProperty("arguments"),
        T.throwsType(function () { return fresh[2].caller; })], [false, false, true]);
    eq("values work", [fs[0](1, 2), fs[1]("n"), fs[2](1, 2, 3), fs[3](), fs[4](9)], [3, "n", 3, 1, 9]);
    eq("attributes hold: length not writable, deletable",
       (function () {
           var f = make()[1];
           f.length = 99;
           f.name = "x";
           var r = [f.length, f.name, delete f.name, f.name, delete f.length, f.length];
           return r;
       }()), [1, "named", true, "", true, 0]);

    // _Varmap: a closure that makes closures and reads arguments has a scope
    // record; its variables are seen by inner closures after it returns.
    function outer(a, b) {
        var local = a * 10;
        function inner() { return [local, a, b, arguments.length]; }
        return function () { return [inner(), arguments[0], local]; };
    }
    eq("variables of closures made by closures", outer(2, 3)("x"), [[20, 2, 3, 0], "x", 20]);

    // _Formals: length and the mapped arguments object.
    var mapped = (function () {
        return function (p, q) { arguments[0] = "changed"; q = "q2"; return [p, arguments[1], arguments.length]; };
    }());
    eq("mapped arguments", mapped("p", "q", "r"), ["changed", "q2", 3]);
    var many = (function () { return function (a, b, c, d, e, f, g, h, i2, j) { return 0; }; }());
    eq("length of many formals", many.length, 10);

    // _Pc2line: the line of an error thrown inside a closure.
    var thrower = (function () {
        return function () {
            throw new Error("here");
        };
    }());
    var line = 0;
    try {
        thrower();
    } catch (e) {
        line = e.lineNumber;
    }
    eq("line numbers in closures (the throw above)", line, 82);

    // Many closures (tables allocated while the GC may run), all intact.
    var list = [], ok = true, seen = 0;
    for (var n = 0; n < 3000; n++) {
        list.push((function (k) { return function named2(x) { return k + x; }; }(n)));
        if (list.length === 500) {
            list = list.slice(-10);
        }
    }
    for (n = 0; n < list.length; n++) {
        var f = list[n];
        if (f.length !== 1 || f.name !== "named2" || f(1) !== 3000 - list.length + n + 1) {
            ok = false;
        }
        seen++;
    }
    eq("3000 closures", [ok, seen > 0], [true, true]);

    // Function.prototype.bind and toString still see the closure's name.
    eq("bind and toString", [fs[1].bind(null).name, String(fs[1]).slice(0, 15)],
       ["bound named", "function named("]);
}());
