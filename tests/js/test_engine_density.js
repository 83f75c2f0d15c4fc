/* Engine patches that make a heap smaller (issue 22, dense2):
 * duk-patches/82-*: strict and bound functions have no own "caller"/"arguments";
 * %Function.prototype% has them (ES2015+ AddRestrictedFunctionProperties);
 * duk-patches/83-*: a named function expression gets its name binding (an
 * environment object per closure) only if its body or an inner function reads
 * the name (eval, which could too, is disallowed in nanod: Workers' rule). */
/* Sloppy-mode functions for the checks below (this file's IIFE is strict). */
var ndSloppy = (function () {
    function plain(a) { return a; }
    function args() { return arguments; }
    function readCaller() { return readCaller.caller; }
    function viaCaller() { return readCaller(); }
    // 83: assigning to the name in sloppy code is silently ignored.
    var assign = function g() { g = 1; return typeof g; };
    var assignInner = function h() { return (function () { h = 2; return typeof h; })(); };
    // with: the name is found in the object first, else the binding.
    var withName = function w(o) { with (o) { return typeof w === "function" ? "fn" : w; } };
    return { plain: plain, args: args(), readCaller: readCaller, viaCaller: viaCaller,
             assign: assign, assignInner: assignInner, withName: withName };
})();

(function () {
    "use strict";
    var eq = T.eq;
    var throwsType = T.throwsType;
    var strictFn = function (a) { return a; };
    var method = { m: function () {} }.m;
    var bound = strictFn.bind(null, 1);
    var sloppy = ndSloppy.plain;
    var sloppyArgs = ndSloppy.args;
    var strictArgs = (function () { return arguments; })();
    var desc, thrower, k;

    // 82: no own caller/arguments on strict, bound or sloppy functions.
    eq("82: strict function own properties", Object.getOwnPropertyNames(strictFn).sort(),
       ["fileName", "length", "prototype"]);
    T.check("82: strict method has no own caller", strictFn.hasOwnProperty("caller") ||
            method.hasOwnProperty("caller") || method.hasOwnProperty("arguments"), false);
    T.check("82: strict function has no own arguments", strictFn.hasOwnProperty("arguments"),
            false);
    eq("82: bound function own properties", Object.getOwnPropertyNames(bound).sort(),
       ["fileName", "length", "name"]); // fileName: Duktape's own
    T.check("82: sloppy function has no own caller/arguments",
            sloppy.hasOwnProperty("caller") || sloppy.hasOwnProperty("arguments"), false);

    // %Function.prototype%: accessors, both %ThrowTypeError%.
    for (k = 0; k < 2; k++) {
        var name = k ? "arguments" : "caller";
        desc = Object.getOwnPropertyDescriptor(Function.prototype, name);
        T.check("82: Function.prototype." + name + " is an accessor",
                typeof desc.get === "function" && typeof desc.set === "function", true);
        T.check("82: Function.prototype." + name + " get === set", desc.get === desc.set, true);
        T.check("82: Function.prototype." + name + " configurable, not enumerable",
                desc.configurable === true && desc.enumerable === false, true);
        if (k === 0) {
            thrower = desc.get;
        }
        T.check("82: Function.prototype." + name + " is the same %ThrowTypeError%",
                desc.get, thrower);
        T.check("82: " + name + " in a strict function", name in strictFn, true);
    }
    // The strict arguments object's callee thrower is the same function.
    T.check("82: arguments.callee's thrower is %ThrowTypeError%",
            Object.getOwnPropertyDescriptor(strictArgs, "callee").get, thrower);
    T.check("82: %ThrowTypeError% called plainly throws", throwsType(function () {
        thrower();
    }), true);
    T.check("82: %ThrowTypeError% is not extensible", Object.isExtensible(thrower), false);

    // Strict, bound and native functions still throw on read and write.
    T.check("82: strict fn.caller throws", throwsType(function () { return strictFn.caller; }),
            true);
    T.check("82: strict fn.arguments throws",
            throwsType(function () { return strictFn.arguments; }), true);
    T.check("82: strict fn.caller = x throws", throwsType(function () { strictFn.caller = 1; }),
            true);
    T.check("82: strict method.arguments throws",
            throwsType(function () { return method.arguments; }), true);
    T.check("82: bound fn.caller throws", throwsType(function () { return bound.caller; }),
            true);
    T.check("82: bound fn.arguments = x throws",
            throwsType(function () { bound.arguments = 1; }), true);
    T.check("82: native fn.caller throws", throwsType(function () { return Math.max.caller; }),
            true);
    T.check("82: strict arguments.callee throws",
            throwsType(function () { return strictArgs.callee; }), true);
    // Sloppy functions read null, as in Node (V8's own null values).
    T.check("82: sloppy fn.caller is null", sloppy.caller, null);
    T.check("82: sloppy fn.arguments is null", sloppy.arguments, null);
    T.check("82: sloppy arguments.callee still the function", typeof sloppyArgs.callee,
            "function");
    T.check("82: sloppy fn.caller read inside it is null", ndSloppy.viaCaller(), null);
    // A function may still define its own (the accessors are configurable
    // and inherited, not own).
    var own = function () {};
    Object.defineProperty(own, "caller", { value: 7 });
    T.check("82: own caller defined on a strict function", own.caller, 7);
    T.check("82: others unaffected", throwsType(function () { return strictFn.caller; }), true);
    // Deleting Function.prototype.caller makes fn.caller undefined.
    desc = Object.getOwnPropertyDescriptor(Function.prototype, "caller");
    T.check("82: delete Function.prototype.caller", delete Function.prototype.caller, true);
    T.check("82: strict fn.caller undefined after delete", strictFn.caller, undefined);
    Object.defineProperty(Function.prototype, "caller", desc);
    T.check("82: restored", throwsType(function () { return strictFn.caller; }), true);

    // 83: the name binding where the name is read, none where it is not.
    var fact = function f(n) { return n <= 1 ? 1 : n * f(n - 1); };
    T.check("83: recursion by name", fact(5), 120);
    var nested = function outer(n) {
        return (function () { return (function () { return n ? outer(n - 1) + 1 : 0; })(); })();
    };
    T.check("83: recursion by name from a nested inner function", nested(4), 4);
    var getSelf = function self() { return function () { return self; }; };
    var gs = getSelf();
    T.check("83: a closure capturing the name", gs(), getSelf);
    var later = function lt() { return [1, 2].map(function () { return typeof lt; }); };
    T.check("83: the name read in a callback", later().join(), "function,function");
    var byParam = function p(p) { return p; };
    T.check("83: name shadowed by a parameter", byParam(7), 7);
    var byVar = function v() { var v = 3; return v; };
    T.check("83: name shadowed by a var", byVar(), 3);
    var byVarLate = function vl() { var r = typeof vl; var vl = 1; return r + vl; };
    T.check("83: name shadowed by a var declared after its use", byVarLate(), "undefined1");
    var byDecl = function d() { function d() { return "inner"; } return d(); };
    T.check("83: name shadowed by an inner declaration", byDecl(), "inner");
    var byCatch = function c() { try { throw 5; } catch (c) { return c; } };
    T.check("83: name shadowed by a catch parameter", byCatch(), 5);
    var afterCatch = function ac() { try { throw 5; } catch (ac) { } return typeof ac; };
    T.check("83: name after a catch that shadowed it", afterCatch(), "function");
    var typeofName = function tn() { return typeof tn; };
    T.check("83: typeof name", typeofName(), "function");
    var strictAssign = function sa() { sa = 1; };
    T.check("83: assigning to the name throws in strict code", throwsType(strictAssign), true);
    T.check("83: assigning to the name ignored in sloppy code", ndSloppy.assign(), "function");
    T.check("83: ... and from an inner sloppy function", ndSloppy.assignInner(), "function");
    T.check("83: name inside with, not in the object", ndSloppy.withName({}), "fn");
    T.check("83: name inside with, in the object", ndSloppy.withName({ w: "obj" }), "obj");
    var noRead = function unread(a) { return a + 1; };
    T.check("83: a name never read: .name still set", noRead.name, "unread");
    T.check("83: a name never read: no global leak", typeof unread, "undefined");
    var outerName = "outer value";
    var sameAsOuter = function outerName2() { return outerName; };
    T.check("83: another name resolves outside", sameAsOuter(), "outer value");
    // Same name at two levels: the inner one reads its own, the outer its own.
    var twoLevels = function tl(n) {
        var inner = function tl(m) { return m ? "inner" : typeof tl; };
        return n ? inner(1) + (tl === twoLevels) : inner(0);
    };
    T.check("83: same name at two levels", twoLevels(1), "innertrue");
    T.check("83: same name at two levels, inner reads its own", twoLevels(0), "function");
    // Many closures of an unread-name function: each still its own function.
    var made = [], i;
    for (i = 0; i < 5; i++) {
        made.push(function mk() { return i; });
    }
    T.check("83: closures of an unread-name function", made[0] !== made[1] && made[4](), 5);
})();
