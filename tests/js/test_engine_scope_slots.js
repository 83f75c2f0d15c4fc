/* duk-patches/95-*: GETVAR, PUTVAR and a call through a name (CSVAR) read or
 * write a plain binding straight from its slot (duk__nd_var_slot): a register
 * of an open scope record, an entry of a scope record, an own data property
 * of the global object. Everything else must still take the general path:
 * accessors, read-only bindings, `with` (and its `this` for calls), inherited
 * globals, the running function's own names when it has a `with` statement.
 * Each check reads and writes through closures, where those lookups happen.
 * Sloppy code on purpose (`with`). App heaps refuse eval, so bindings a
 * direct eval adds or deletes are checked by the differential test262 run
 * (language/eval-code, language/statements/with...; README). */
var ndSlotG = "global";
var ndSlotRO;
Object.defineProperty(this, "ndSlotRO", { value: "ro", writable: false });
var ndSlotGetterCalls = 0;
Object.defineProperty(this, "ndSlotAcc", {
    get: function () { ndSlotGetterCalls++; return "got" + ndSlotGetterCalls; },
    set: function (v) { ndSlotG = "set:" + v; },
    configurable: true
});
(function () {
    var eq = T.eq, errName = T.errName;
    var outer = "outer";

    // Closed records: a closure reads and writes its maker's variables
    // after the maker returned; two closures share one record.
    function counter() {
        var n = 0;
        return { inc: function () { n = n + 1; return n; }, get: function () { return n; } };
    }
    var c = counter(), d = counter();
    c.inc(); c.inc(); d.inc();
    eq("closed record: shared by two closures", [c.get(), d.get(), c.inc()], [2, 1, 3]);

    // Open records: a closure called while its maker still runs reads and
    // writes the maker's registers, also when the value stack grows in
    // between (deep recursion moves it).
    function deep(n) { return n === 0 ? 0 : 1 + deep(n - 1); }
    function openRecord() {
        var v = "v0", log = [];
        function rd() { return v; }
        function wr(x) { v = x; }
        log.push(rd());
        wr("v1");
        log.push(v, rd());
        deep(2000);
        wr("v2");
        log.push(v, rd());
        v = "v3";
        log.push(rd());
        return log;
    }
    eq("open record: registers both ways", openRecord(), ["v0", "v1", "v1", "v2", "v2", "v3"]);

    // Shadowing: the nearest binding wins, for reads, writes and calls.
    function shadowing() {
        var outer = "inner";
        function f() { return outer; }
        function g() { outer = "written"; }
        g();
        return [f(), outer];
    }
    eq("nearest binding wins", [shadowing(), outer], [["written", "written"], "outer"]);
    eq("module-level names", (function () { return function () { return [outer, ndSlotG]; }; }())(),
       ["outer", "global"]);

    // Catch bindings, read and written by closures made in the clause.
    function catches() {
        var fs = [];
        for (var i = 0; i < 3; i++) {
            try {
                throw "e" + i;
            } catch (e) {
                fs.push(function () { return e; });
                fs.push(function (x) { e = x; });
            }
        }
        fs[3]("changed");
        return [fs[0](), fs[2](), fs[4](), typeof e];
    }
    eq("catch bindings per clause", catches(), ["e0", "changed", "e2", "undefined"]);

    // A named function expression's own name is read-only: a sloppy write
    // is ignored, a strict one throws; a call through it works.
    var nfe = function fact(n) {
        fact = null;
        return n <= 1 ? 1 : n * fact(n - 1);
    };
    eq("function name binding is read-only (sloppy)", nfe(5), 120);
    var nfeStrict = function self() {
        "use strict";
        self = 1;
    };
    eq("function name binding is read-only (strict)", errName(nfeStrict), "TypeError");

    // Read-only globals: a sloppy write is ignored, a strict one throws.
    function writeRO() { ndSlotRO = "changed"; return ndSlotRO; }
    function writeROStrict() { "use strict"; ndSlotRO = "changed"; }
    function writeUndef() { undefined = 1; return typeof undefined; }
    eq("read-only global (sloppy)", [writeRO(), writeRO()], ["ro", "ro"]);
    eq("read-only global (strict)", errName(writeROStrict), "TypeError");
    eq("undefined stays", writeUndef(), "undefined");

    // Global accessors: the getter and setter run on every read and write.
    function readAcc() { return ndSlotAcc; }
    function writeAcc(v) { ndSlotAcc = v; }
    var r1 = readAcc(), r2 = readAcc();
    writeAcc("x");
    eq("global accessor read", [r1, r2, ndSlotGetterCalls], ["got1", "got2", 2]);
    eq("global accessor write", ndSlotG, "set:x");
    ndSlotG = "global";

    // Inherited globals (the global object's prototype chain), and a call
    // through such a name.
    function inherited() { return [typeof hasOwnProperty, typeof isPrototypeOf, toString()]; }
    eq("inherited global names", inherited(), ["function", "function", "[object Undefined]"]);

    // Unresolvable names: ReferenceError for reads and calls, typeof
    // "undefined", a sloppy write creates a global, a strict one throws.
    function readMissing() { return ndSlotMissing; }
    function callMissing() { return ndSlotMissingF(); }
    function writeMissing() { ndSlotNew = 5; return ndSlotNew; }
    function writeMissingStrict() { "use strict"; ndSlotNew2 = 5; }
    eq("unresolvable read", errName(readMissing), "ReferenceError");
    eq("unresolvable call", errName(callMissing), "ReferenceError");
    eq("sloppy write makes a global", [writeMissing(), typeof ndSlotNew], [5, "number"]);
    eq("strict write throws", errName(writeMissingStrict), "ReferenceError");

    // Globals whose slot moves (the table grows, a property is deleted and
    // made again as an accessor) read right from functions already warm.
    this.ndSlotMove = 1;
    function readMove() { return ndSlotMove; }
    function writeMove(v) { ndSlotMove = v; }
    var log = [readMove()];
    for (var i = 0; i < 100; i++) {
        this["ndSlotFill" + i] = i;
    }
    writeMove(2);
    log.push(readMove(), this.ndSlotMove);
    delete this.ndSlotMove;
    log.push(errName(readMove));
    Object.defineProperty(this, "ndSlotMove", { get: function () { return "acc"; }, configurable: true });
    log.push(readMove());
    for (i = 0; i < 100; i++) {
        delete this["ndSlotFill" + i];
    }
    eq("a moved or redefined global", log, [1, 2, 2, "ReferenceError", "acc"]);
}).call(this);

(function () {
    var eq = T.eq, errName = T.errName;

    // with: names on the target are found there (own or inherited), calls
    // through them get the target as this, others fall through.
    var proto = { inh: "inherited" };
    var o = Object.create(proto);
    o.x = "ox";
    o.m = function () { return this === o; };
    var x = "local x", y = "local y";
    function withReads() {
        var r = [];
        with (o) {
            r.push(x, y, inh, m());
            (function () { r.push(x, y, m()); }());
            x = "written";
            y = "written y";
        }
        return r;
    }
    eq("with: reads, calls and writes", [withReads(), o.x, x, y],
       [["ox", "local y", "inherited", true, "ox", "local y", true], "written", "local x",
        "written y"]);

    // A function with a with statement reads its own names by name before
    // the with scope exists (duk-patches/91's exception), here shadowing a
    // name of the enclosing scope.
    var own = "enclosing", t = { own: "enclosing t" };
    function withOwn(t) {
        var own = "own";
        var before = own;
        with (t) {
            var inside = own;
        }
        return [before, inside];
    }
    eq("with: own names", [withOwn({}), withOwn({ own: "target" })],
       [["own", "own"], ["own", "target"]]);

    // A call through a scope binding gets undefined as this: the global
    // object in sloppy callees, undefined in strict ones.
    var G = this;
    function sloppyThis() { return this === G; }
    function strictThis() { "use strict"; return this; }
    eq("call through a name: this", (function () { return [sloppyThis(), strictThis()]; }()),
       [true, undefined]);
    // ... also where the register for this held an object just before.
    var recv = { m: function () { return this; } };
    function thisAfterMethod() {
        "use strict";
        var a = recv.m(), b = strictThis(), c = recv.m(), d = [strictThis(), recv.m(), strictThis()];
        return [a === recv, b, c === recv, d[0], d[1] === recv, d[2], own];
    }
    eq("call through a name after a method call: this", thisAfterMethod(),
       [true, undefined, true, undefined, true, undefined, "enclosing"]);
    // ... and where it held a temporary of an expression just before.
    function thisAfterTemps() {
        "use strict";
        var q = { a: 1, b: 2, c: 3 };
        var r1 = strictThis();
        var s = "x" + q.a + q.b, r2 = strictThis();
        var arr = [q, q, q, strictThis()];
        var r4 = (q.a + q.b) * (q.c + 1) + typeof strictThis();
        return [typeof r1, typeof r2, s, typeof arr[3], r4];
    }
    eq("call through a name after temporaries: this", thisAfterTemps(),
       ["undefined", "undefined", "x12", "undefined", "12undefined"]);

    // Closures over loop variables (ES5: one binding per function).
    var fs = [];
    for (var i = 0; i < 3; i++) {
        fs.push(function () { return i; });
    }
    eq("loop closures share the var", [fs[0](), fs[2]()], [3, 3]);
    fs = [];
    for (i = 0; i < 3; i++) {
        fs.push((function (j) { return function () { return j; }; }(i)));
    }
    eq("per-call bindings", [fs[0](), fs[1](), fs[2]()], [0, 1, 2]);

    // Values of every type through a slot, refcounts intact after many
    // overwrites (the old value freed, the new one kept).
    function holder() {
        var v;
        return { set: function (x) { v = x; }, get: function () { return v; } };
    }
    var h = holder(), kept = [];
    for (i = 0; i < 200; i++) {
        h.set({ n: i });
        if (i % 50 === 0) {
            kept.push(h.get());
        }
    }
    h.set("s");
    eq("objects through a slot", [kept[0].n, kept[3].n, h.get()], [0, 150, "s"]);
    var vals = [undefined, null, true, 1.5, -0, "str", [1], function () { return 7; }];
    var got = [];
    for (i = 0; i < vals.length; i++) {
        h.set(vals[i]);
        got.push(h.get() === vals[i] || (h.get() !== h.get()));
    }
    eq("every type through a slot", got, [true, true, true, true, true, true, true, true]);
    eq("a function called through a closed binding", (function () {
        var f = function () { return 7; };
        return (function () { return f() + f(); }());
    }()), 14);
    eq("errName of a throwing callee", errName(function () {
        var thrower = function () { throw new TypeError("t"); };
        (function () { thrower(); }());
    }), "TypeError");
}).call(this);
