/* Global names read and written straight from the global object's slot
 * (duk-patches/90-getvar-global-own-data.patch): every way a global binding
 * can change under a function that reads it (delete, defineProperty to
 * read-only or to an accessor and back, shadowing by a prototype or a `with`
 * object, top-level vars, table growth) gives the answer the spec (and
 * Node 20) gives. */

/* The readers are the program's own functions: their by-name lookups go from
 * their (uncreated) scope straight to the global object's record. */
var ndEngV = 5;
function ndEngRead() { return ndEngA; }
function ndEngWrite(v) { ndEngA = v; }
function ndEngWriteStrict(v) { "use strict"; ndEngA = v; }
function ndEngTypeof() { return typeof ndEngA; }
function ndEngDelete() { return delete ndEngA; }
function ndEngReadV() { return ndEngV; }
function ndEngDeleteV() { return delete ndEngV; }
function ndEngCall() { return ndEngFn(); }
function ndEngReadB() { return ndEngB; }
function ndEngReadC() { return ndEngC; }
function ndEngWriteC(v) { ndEngC = v; }
function ndEngBuiltins() {
    return [typeof Object, typeof JSON.stringify, typeof decodeURIComponent, typeof URL,
            typeof Response, typeof undefined, NaN !== NaN, Infinity > 0];
}
function ndEngWriteUndefined() { undefined = 1; return typeof undefined; }
function ndEngWriteUndefinedStrict() { "use strict"; undefined = 1; }

(function () {
    var G = globalThis;
    var eq = T.eq;
    var errName = T.errName;

    G.ndEngA = 1;
    eq("read an own data property", G.ndEngRead(), 1);
    G.ndEngWrite(2);
    eq("a write lands in the global object", G.ndEngA, 2);
    eq("and keeps its attributes", Object.getOwnPropertyDescriptor(G, "ndEngA"),
       { value: 2, writable: true, enumerable: true, configurable: true });
    G.ndEngWriteStrict(3);
    eq("a strict write too", [G.ndEngA, G.ndEngRead()], [3, 3]);

    eq("delete of a configurable global", G.ndEngDelete(), true);
    eq("then it is gone", ["ndEngA" in G, G.ndEngTypeof()], [false, "undefined"]);
    eq("a read throws", errName(G.ndEngRead), "ReferenceError");
    eq("a strict write throws", errName(function () { G.ndEngWriteStrict(1); }),
       "ReferenceError");
    G.ndEngWrite(4);
    eq("a sloppy write makes it again", [G.ndEngRead(), G.ndEngDelete()], [4, true]);

    eq("a var declared at the top level", [G.ndEngReadV(), G.ndEngDeleteV(), G.ndEngReadV()],
       [5, false, 5]);

    Object.defineProperty(G, "ndEngA", { value: 6, writable: false, configurable: true });
    G.ndEngWrite(7);
    eq("read-only: a sloppy write is ignored", G.ndEngRead(), 6);
    eq("read-only: a strict write throws", errName(function () { G.ndEngWriteStrict(7); }),
       "TypeError");
    eq("read-only: unchanged", G.ndEngA, 6);

    var log = [];
    Object.defineProperty(G, "ndEngA", {
        get: function () { log.push("get"); return 8; },
        set: function (v) { log.push("set " + v); },
        configurable: true
    });
    eq("an accessor's getter runs", G.ndEngRead(), 8);
    G.ndEngWrite(9);
    G.ndEngWriteStrict(10);
    eq("its setter runs", log, ["get", "set 9", "set 10"]);
    Object.defineProperty(G, "ndEngA", { value: 11, writable: true, enumerable: true,
                                         configurable: false });
    eq("back to data", G.ndEngRead(), 11);
    G.ndEngWrite(12);
    eq("written in place", G.ndEngA, 12);
    eq("non-configurable: delete says false", [G.ndEngDelete(), G.ndEngRead()], [false, 12]);
    Object.defineProperty(G, "ndEngA", { writable: false });
    G.ndEngWrite(13);
    eq("made read-only after reads", G.ndEngRead(), 12);

    /* Inherited names (the global object's prototype chain) and shadowing. */
    Object.prototype.ndEngB = "inherited";
    eq("an inherited global", G.ndEngReadB(), "inherited");
    G.ndEngB = "own";
    eq("an own one shadows it", G.ndEngReadB(), "own");
    delete G.ndEngB;
    eq("deleted: the inherited one again", G.ndEngReadB(), "inherited");
    delete Object.prototype.ndEngB;
    eq("both gone", errName(G.ndEngReadB), "ReferenceError");

    /* with: the object's binding wins, calls get it as this. */
    G.ndEngFn = function () { return this === G || this === undefined ? "global" : this.tag; };
    var target = { tag: "target", ndEngFn: function () { return this.tag; } };
    G.ndEngW = "global";
    var got;
    with ({ ndEngW: "with" }) {
        got = ndEngW;
    }
    eq("with shadows a global", got, "with");
    with (target) {
        got = ndEngFn();
    }
    eq("with: a call gets the object as this", got, "target");
    eq("outside with: the global", G.ndEngCall(), "global");
    with ({}) {
        got = ndEngW;
        ndEngW = "written through with";
    }
    eq("with: a miss reads and writes the global", [got, G.ndEngW],
       ["global", "written through with"]);

    eq("eval stays disallowed", errName(function () { G.eval("1"); }), "EvalError");

    /* The slot moves when the global object's table grows: every read and
     * write after it finds the new one. */
    G.ndEngC = { n: 0 };
    var ok = true;
    for (var i = 0; i < 300; i++) {
        G["ndEngGrow" + i] = i;
        G.ndEngWriteC({ n: i });
        if (G.ndEngReadC().n !== i || G.ndEngC.n !== i) {
            ok = false;
        }
    }
    eq("reads and writes across table growth", ok, true);
    for (i = 0; i < 300; i++) {
        delete G["ndEngGrow" + i];
    }
    G.ndEngWriteC("after shrink");
    eq("and after deletes", [G.ndEngReadC(), G.ndEngC], ["after shrink", "after shrink"]);

    /* Built-ins and lazily made globals read the same from functions. */
    var want = ["function", "function", "function", "function", "function", "undefined",
                true, true];
    eq("built-ins", G.ndEngBuiltins(), want);
    eq("built-ins again", G.ndEngBuiltins(), want);
    eq("undefined is read-only", [G.ndEngWriteUndefined(), typeof undefined],
       ["undefined", "undefined"]);
    eq("a strict write to undefined throws", errName(G.ndEngWriteUndefinedStrict), "TypeError");
    eq("typeof an undeclared name", typeof ndEngNever, "undefined");
}());
