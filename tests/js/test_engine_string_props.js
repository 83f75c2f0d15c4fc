/* duk-patches/71: a named property read on a string primitive walks
 * String.prototype's chain in place; what it leaves to the generic path
 * (symbols, indices, length, getters, a Proxy on the chain) must answer as
 * before. */
var ndSloppyThis = function () { return typeof this; };     /* sloppy: this boxed */
(function () {
    "use strict";
    var eq = T.eq, s = "hello", proto = String.prototype;

    eq("a method", [s.indexOf("l"), s.substring(1, 3), s.toUpperCase()], [2, "el", "HELLO"]);
    eq("the method is String.prototype's", s.indexOf === proto.indexOf, true);
    eq("constructor", s.constructor === String, true);
    eq("Object.prototype's, through the chain", [typeof s.hasOwnProperty,
                                                 s.hasOwnProperty("length")], ["function", true]);
    eq("missing", [s.nope, "".nope], [undefined, undefined]);
    eq("length and indices", [s.length, s[1], s["4"], s[5], "".length], [5, "e", "o", undefined,
                                                                         0]);
    eq("a computed key", s["index" + "Of"]("o"), 4);

    proto.ndAdded = function () { return "added:" + this; };
    eq("a method added", s.ndAdded(), "added:hello");
    delete proto.ndAdded;
    eq("deleted again", s.ndAdded, undefined);
    Object.prototype.ndFromObject = 7;
    eq("added to Object.prototype", s.ndFromObject, 7);
    delete Object.prototype.ndFromObject;
    eq("deleted from Object.prototype", s.ndFromObject, undefined);

    Object.defineProperty(proto, "ndStrictGetter", {
        configurable: true,
        get: function () { return typeof this + ":" + this; }
    });
    Object.defineProperty(proto, "ndSloppyGetter", {
        configurable: true,
        get: ndSloppyThis
    });
    eq("a strict getter sees the primitive", s.ndStrictGetter, "string:hello");
    eq("a sloppy getter sees a wrapper", s.ndSloppyGetter, "object");
    delete proto.ndStrictGetter;
    delete proto.ndSloppyGetter;
    Object.defineProperty(proto, "ndNoGetter", { configurable: true, set: function () {} });
    eq("an accessor without a getter", s.ndNoGetter, undefined);
    delete proto.ndNoGetter;

    var sym = Symbol("d");
    eq("a symbol's methods are Symbol.prototype's", [sym.toString(), typeof sym.indexOf],
       ["Symbol(d)", "undefined"]);

    var trapped = [];
    var oldProto = Object.getPrototypeOf(proto);
    Object.setPrototypeOf(proto, new Proxy(Object.create(oldProto), {
        get: function (t, k, r) { trapped.push(String(k)); return k === "ndViaProxy" ? 42 : t[k]; }
    }));
    eq("a Proxy on String.prototype's chain", [s.ndViaProxy, s.indexOf("e")], [42, 1]);
    eq("its trap saw the miss (and only it)", trapped, ["ndViaProxy"]);
    Object.setPrototypeOf(proto, oldProto);
    eq("the chain restored", s.ndViaProxy, undefined);

    var o = new String("boxed");
    eq("a String object is not a primitive", [o.length, o[0], o.indexOf("x")], [5, "b", 2]);
})();
