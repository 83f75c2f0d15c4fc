/* Symbol.prototype.description (ES2019), a getter of the es-natives group
 * (worker/js/builtins.c): Duktape 2.7 has none, and superjson serializes a
 * registered symbol as its description (undefined: the key was dropped).
 * Values are the ones Node 20 gives. The first read below is the lazy one,
 * through a symbol primitive. */
(function () {
    var eq = T.eq;
    var s = Symbol("red");

    eq("first touch from a primitive loads the getter", s.description, "red");
    var d = Object.getOwnPropertyDescriptor(Symbol.prototype, "description");
    eq("an accessor: getter, no setter, not enumerable, configurable",
       [typeof d.get, d.set, d.enumerable, d.configurable], ["function", undefined, false, true]);
    eq("getter name", d.get.name, "get description");
    eq("Symbol() has an undefined description", Symbol().description, undefined);
    eq("Symbol('') has an empty one", Symbol("").description, "");
    eq("Symbol(undefined) is Symbol()", Symbol(undefined).description, undefined);
    eq("coerced", [Symbol(12).description, Symbol(null).description], ["12", "null"]);
    eq("Symbol.for", [Symbol.for("app.key").description, Symbol.for().description],
       ["app.key", "undefined"]);
    eq("well-known", [Symbol.iterator.description, Symbol.toStringTag.description],
       ["Symbol.iterator", "Symbol.toStringTag"]);
    eq("Unicode", Symbol("Zoë 😀").description, "Zoë 😀");
    eq("a description with the suffix separator's look", Symbol("a-1").description, "a-1");
    eq("a Symbol object", Object(Symbol("boxed")).description, "boxed");
    eq("two symbols, one description", [Symbol("x").description === Symbol("x").description,
                                        Symbol("x") === Symbol("x")], [true, false]);
    eq("toString unchanged", [String(Symbol("t")), Symbol().toString()], ["Symbol(t)", "Symbol()"]);
    T.check("a non-symbol this is a TypeError", T.throwsType(function () { d.get.call({}); }), true);
    T.check("a string this is a TypeError", T.throwsType(function () { d.get.call("red"); }), true);
    eq("an own property of a Symbol object shadows it",
       (function () {
           var o = Object(Symbol("p"));
           Object.defineProperty(o, "description", { value: "own" });
           return o.description;
       })(), "own");
    /* a Symbol object's own symbol, not what the app's global Symbol says */
    var saved = Symbol, boxed = Object(Symbol("boxed")), got;
    Symbol = function () {};
    Symbol.prototype.valueOf = function () { return saved("forged"); };
    try {
        got = [boxed.description, T.throwsType(function () { d.get.call(new Number(1)); })];
    } catch (e) {
        got = e.name;
    }
    Symbol = saved;
    eq("a Symbol object with the global Symbol replaced", got, ["boxed", true]);
})();
