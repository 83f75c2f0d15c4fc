/* duk-patches/91-*: a by-name lookup skips the running function's own _Varmap
 * whenever its activation has no scope object yet, except in functions with a
 * direct eval. These are the constructs that look own names up by name
 * (catch, with, arguments) and the names around them: each must still find
 * the right binding, in the try block, the catch clause, finally, `with`,
 * closures made inside each, and after the scope object exists. Sloppy code
 * on purpose (`with`). */
var ndScopeG = "global";
(function () {
    var eq = T.eq;
    var outer = "outer";

    // try/catch: non-own names in try are by-name lookups the compiler
    // could not rule out as own; own names stay registers.
    function tryCatch(x) {
        var own = x + 1, seen = [];
        try {
            seen.push(ndScopeG, outer, own);
            if (x > 1) {
                throw new Error("e" + x);
            }
        } catch (e) {
            seen.push(e.message, own, outer, ndScopeG, typeof e);
        } finally {
            seen.push("finally", own, outer, ndScopeG, typeof e);
        }
        seen.push(typeof e);
        return seen;
    }
    eq("try without a throw", tryCatch(1),
       ["global", "outer", 2, "finally", 2, "outer", "global", "undefined", "undefined"]);
    eq("try with a throw", tryCatch(5),
       ["global", "outer", 6, "e5", 6, "outer", "global", "object", "finally", 6, "outer",
        "global", "undefined", "undefined"]);
    eq("again (no state kept)", tryCatch(1)[2], 2);

    // The catch name shadows an own variable of the same name only inside
    // the clause; writes go to the right binding.
    function shadow() {
        var e = "own", log = [];
        try {
            throw "thrown";
        } catch (e) {
            log.push(e);
            e = "changed in catch";
            log.push(e);
        }
        log.push(e);
        e = "own again";
        log.push(e);
        return log;
    }
    eq("catch name shadows an own var", shadow(),
       ["thrown", "changed in catch", "own", "own again"]);

    // Closures made in a try block, a catch clause and after them see the
    // live bindings (an open scope record: registers by name).
    function closures() {
        var n = 1, fs = [];
        try {
            fs.push(function () { return n; });
            throw 10;
        } catch (c) {
            fs.push(function () { return c + n; });
            fs.push(function (v) { c = v; n = v; });
        }
        fs.push(function () { return n * 2; });
        n = 3;
        return fs;
    }
    var fs = closures();
    eq("closures before a write", [fs[0](), fs[1](), fs[3]()], [3, 13, 6]);
    fs[2](7);
    eq("closures after a write through one", [fs[0](), fs[1](), fs[3]()], [7, 14, 14]);

    // A nested try inside a catch, a rethrow, and a throw through a callee.
    function nested(k) {
        var r = [];
        try {
            try {
                throw k;
            } catch (a) {
                try {
                    r.push(a, outer);
                    throw a + 1;
                } catch (b) {
                    r.push(a, b, ndScopeG);
                    throw b + 1;
                }
            }
        } catch (c) {
            r.push(c, typeof a, typeof b, k);
        }
        return r;
    }
    eq("nested catches", nested(1), [1, "outer", 1, 2, "global", 3, "undefined", "undefined", 1]);

    // `with`: names are looked up by name through the target first, then
    // the function's own variables (its scope object exists by then).
    function withOwn(o) {
        var own = "own", v = "v-own", r = [];
        with (o) {
            r.push(v, own, outer, ndScopeG);
            v = "written";
            own = "own2";
            r.push(function () { return v + "/" + own; }());
        }
        r.push(v, own, o.v);
        return r;
    }
    eq("with: target property", withOwn({ v: "target" }),
       ["target", "own", "outer", "global", "written/own2", "v-own", "own2", "written"]);
    eq("with: own variable", withOwn({}),
       ["v-own", "own", "outer", "global", "written/own2", "written", "own2", undefined]);

    // `arguments`: the function's scope object is made at entry; own names,
    // outer names and the object itself.
    function args(a, b) {
        var own = a + b;
        function inner() {
            return [own, a, b, arguments.length, outer, ndScopeG];
        }
        return [arguments.length, own, outer, ndScopeG].concat(inner(9));
    }
    eq("arguments with outer names", args(1, 2, 3), [3, 3, "outer", "global", 3, 1, 2, 1, "outer",
                                                     "global"]);

    // A name declared only in an outer function and read by name from a
    // function with a try statement while the outer one still runs.
    function outerRunning() {
        var live = "live";
        function reader() {
            try {
                return live;
            } catch (e) {
                return "caught";
            }
        }
        var first = reader();
        live = "changed";
        return [first, reader()];
    }
    eq("an outer function's live variable", outerRunning(), ["live", "changed"]);

    // Direct eval keeps the old search; here it is refused (app heaps).
    function withEval() {
        var own = "own";
        try {
            return eval("own");
        } catch (e) {
            return [e.name, own];
        }
    }
    eq("direct eval", withEval(), ["EvalError", "own"]);

    // An undeclared name in a try block is a ReferenceError (no own slot
    // found by mistake), and typeof of it is "undefined".
    function undeclared() {
        var r = [];
        try {
            r.push(typeof ndScopeNever);
            r.push(ndScopeNever);
        } catch (e) {
            r.push(e.name);
        }
        return r;
    }
    eq("undeclared in try", undeclared(), ["undefined", "ReferenceError"]);
}());
