/* duk-patches/103: Reflect.construct(target, args, newTarget) with another
 * newTarget (threw Error "unsupported"): the result's [[Prototype]] is
 * newTarget.prototype, for ECMAScript and native constructors; answers as
 * Node 20 gives them (new.target aside, see the patch). */
(function () {
    "use strict";
    var eq = T.eq;
    function Base(a, b) { this.sum = a + b; }
    Base.prototype.hello = function () { return "base"; };
    function Derived() {}
    Derived.prototype = Object.create(Base.prototype);
    Derived.prototype.constructor = Derived;
    Derived.prototype.hello = function () { return "derived"; };

    var o = Reflect.construct(Base, [1, 2], Derived);
    eq("ES function: body ran", o.sum, 3);
    eq("ES function: newTarget's prototype", [Object.getPrototypeOf(o) === Derived.prototype,
                                             o instanceof Derived, o instanceof Base, o.hello()],
       [true, true, true, "derived"]);
    eq("same newTarget as before", Object.getPrototypeOf(Reflect.construct(Base, [1, 1], Base)) ===
       Base.prototype, true);
    eq("two arguments as before", Reflect.construct(Base, [2, 2]).sum, 4);
    function Returns() { return { own: true }; }
    var r = Reflect.construct(Returns, [], Derived);
    eq("an object returned by an ES function is kept as is", [r.own,
                                                              Object.getPrototypeOf(r) ===
                                                              Object.prototype], [true, true]);
    function NoProto() {}
    NoProto.prototype = 7;
    eq("newTarget.prototype not an object: Object.prototype",
       Object.getPrototypeOf(Reflect.construct(Base, [0, 0], NoProto)) === Object.prototype, true);

    /* Babel's probe for native Reflect.construct, then what it does with it */
    eq("Babel's _isNativeReflectConstruct", !Boolean.prototype.valueOf.call(
        Reflect.construct(Boolean, [], function () {})), true);
    function MyError(msg) {
        return Reflect.construct(Error, [msg], MyError);
    }
    MyError.prototype = Object.create(Error.prototype);
    MyError.prototype.constructor = MyError;
    MyError.prototype.name = "MyError";
    var e = new MyError("boom");
    eq("native Error: newTarget's prototype", [e instanceof MyError, e instanceof Error, e.message,
                                               String(e)], [true, true, "boom",
                                                            "MyError: boom"]);
    function MyArray() {}
    MyArray.prototype = Object.create(Array.prototype);
    var a = Reflect.construct(Array, [3], MyArray);
    eq("native Array", [Array.isArray(a), a.length, a instanceof MyArray], [true, 3, true]);
    function MyDate() {}
    MyDate.prototype = Object.create(Date.prototype);
    var d = Reflect.construct(Date, [0], MyDate);
    eq("native Date", [d instanceof MyDate, d.getTime()], [true, 0]);
    function MyBytes() {}
    MyBytes.prototype = Object.create(Uint8Array.prototype);
    var u = Reflect.construct(Uint8Array, [4], MyBytes);
    eq("a typed array", [u instanceof MyBytes, u.length], [true, 4]);
    function MyBool() {}
    MyBool.prototype = Object.create(Boolean.prototype);
    var bo = Reflect.construct(Boolean, [true], MyBool);
    eq("native Boolean keeps its value", [bo instanceof MyBool, Boolean.prototype.valueOf.call(bo)],
       [true, true]);
    var arg = { mine: 1 };
    var ob = Reflect.construct(Object, [arg], Derived);
    eq("Object(value) with another newTarget: a new object", [ob === arg, ob instanceof Derived,
                                                              Object.getPrototypeOf(arg) ===
                                                              Object.prototype], [false, true,
                                                                                  true]);
    function MyMap() {}
    MyMap.prototype = Object.create(Map.prototype);
    var m = Reflect.construct(Map, [[["k", 1]]], MyMap);
    eq("a Map", [m instanceof MyMap, m.get("k"), m.set("j", 2).size], [true, 1, 2]);

    /* errors */
    /* a method (built-ins are lightfuncs here, which Duktape lets construct) */
    var method = ({ m() { return 1; } }).m;
    eq("newTarget not a constructor", T.throwsType(function () {
        Reflect.construct(Base, [], method);
    }), true);
    eq("a built-in function as newTarget", T.throwsType(function () {
        Reflect.construct(Base, [], Math.max);
    }), true);
    eq("newTarget not callable", T.throwsType(function () { Reflect.construct(Base, [], {}); }),
       true);
    eq("target not a constructor", T.throwsType(function () {
        Reflect.construct(method, [], Base);
    }), true);
    eq("args not an object", T.throwsType(function () { Reflect.construct(Base, 1, Base); }), true);

    /* a bound function as target or newTarget */
    var BoundBase = Base.bind(null, 10);
    var bb = Reflect.construct(BoundBase, [5], Derived);
    eq("bound target", [bb.sum, bb instanceof Derived], [15, true]);

    /* the shape Babel lowers `class D extends B` to, with native Reflect.construct */
    function getProto(x) { return Object.getPrototypeOf(x); }
    function B2(x) { this.x = x; }
    function D2(x) {
        var self = Reflect.construct(B2, [x * 2], getProto(this).constructor);
        self.y = 1;
        return self;
    }
    D2.prototype = Object.create(B2.prototype, { constructor: { value: D2, writable: true,
                                                                configurable: true } });
    Object.setPrototypeOf(D2, B2);
    var d2 = new D2(4);
    eq("lowered class instance", [d2.x, d2.y, d2 instanceof D2, d2 instanceof B2,
                                  d2.constructor === D2], [8, 1, true, true, true]);
})();
