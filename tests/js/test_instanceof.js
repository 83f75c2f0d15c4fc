/* instanceof (duk-patches/70-instanceof-default-hasinstance.patch skips the
 * call of the built-in Function.prototype[@@hasInstance]): the same answers
 * and errors as the spec's InstanceofOperator, values as Node 20 gives them;
 * a user-defined Symbol.hasInstance is still called. */
(function () {
    var eq = T.eq;
    function throwsType(name, fn) {
        try {
            fn();
            T.fail(name, "no exception");
        } catch (e) {
            T.check(name, e instanceof TypeError, true);
        }
    }
    function A() {}
    function B() {}
    B.prototype = Object.create(A.prototype);
    var a = new A(), b = new B(), bound = A.bind(null), calls = 0;

    eq("own, inherited, unrelated", [a instanceof A, b instanceof A, b instanceof B,
                                     a instanceof B, {} instanceof A], [true, true, true, false,
                                                                        false]);
    eq("primitives are never instances", [1 instanceof Number, "s" instanceof String,
                                          null instanceof Object, undefined instanceof A],
       [false, false, false, false]);
    eq("built-ins", [[] instanceof Array, [] instanceof Object, new Error("x") instanceof Error,
                     new TypeError("x") instanceof Error, A instanceof Function],
       [true, true, true, true, true]);
    eq("a bound function asks its target", [a instanceof bound, b instanceof bound], [true, true]);
    eq("Response", [new Response("x") instanceof Response, {} instanceof Response],
       [true, false]);
    eq("the built-in is there", typeof Function.prototype[Symbol.hasInstance], "function");
    eq("called directly", [Function.prototype[Symbol.hasInstance].call(A, b),
                           Function.prototype[Symbol.hasInstance].call(B, a)], [true, false]);

    function C() {}
    Object.defineProperty(C, Symbol.hasInstance, {
        value: function (v) { calls++; return v === 42; }
    });
    eq("a user-defined Symbol.hasInstance is called", [42 instanceof C, a instanceof C, calls],
       [true, false, 2]);
    var proto = { x: 1 };
    var D = function () {};
    D.prototype = proto;
    eq("the prototype is read at the time of the check", Object.create(proto) instanceof D, true);
    D.prototype = {};
    eq("... and a changed one counts", Object.create(proto) instanceof D, false);

    throwsType("the right side is not an object", function () { return a instanceof 1; });
    throwsType("the right side is not callable", function () { return a instanceof {}; });
    throwsType("a non-object prototype", function () {
        var F = function () {};
        F.prototype = 3;
        return a instanceof F;
    });
    throwsType("a throwing Symbol.hasInstance getter's error is kept", function () {
        var E = function () {};
        Object.defineProperty(E, Symbol.hasInstance, {
            get: function () { throw new TypeError("boom"); }
        });
        return a instanceof E;
    });
})();
