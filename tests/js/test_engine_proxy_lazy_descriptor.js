/* fresh heap. duk-patches/102: the descriptor of a lazy ES built-in (an
 * accessor until its group loads) is the data property it stands for, as in
 * Node; immer's drafts read prototype methods so (Object.
 * getOwnPropertyDescriptor(proto, key) then desc.value, or
 * desc.get.call(draft)). The runner gives this file a heap of its own:
 * nothing has loaded es-builtins or es-natives yet. */
(function () {
    "use strict";
    var eq = T.eq;

    /* immer's readPropFromProto, as it reads draft.findIndex */
    function readFromProto(receiver, source, prop) {
        var proto = Object.getPrototypeOf(source), desc;
        while (proto) {
            desc = Object.getOwnPropertyDescriptor(proto, prop);
            if (desc) {
                return "value" in desc ? desc.value : desc.get ? desc.get.call(receiver) :
                    undefined;
            }
            proto = Object.getPrototypeOf(proto);
        }
        return undefined;
    }
    var arr = [5, 6, 7];
    var draft = new Proxy(arr, {
        get: function (t, k) {
            return Object.prototype.hasOwnProperty.call(t, k) ? t[k] : readFromProto(draft, t, k);
        }
    });
    eq("draft.findIndex (es-builtins, not loaded yet)", typeof draft.findIndex, "function");
    eq("it works", draft.findIndex(function (x) { return x === 6; }), 1);
    eq("draft.find", draft.find(function (x) { return x > 5; }), 6);

    var d = Object.getOwnPropertyDescriptor(Array.prototype, "copyWithin");
    eq("a data descriptor", [typeof d.value, d.writable, d.enumerable, d.configurable, "get" in d],
       ["function", true, false, true, false]);
    d = Object.getOwnPropertyDescriptor(String.prototype, "padStart");
    eq("String.prototype.padStart", [typeof d.value, "x".padStart(3, "-")], ["function", "--x"]);
    d = Reflect.getOwnPropertyDescriptor(Object, "fromEntries");
    eq("Reflect.getOwnPropertyDescriptor too", typeof d.value, "function");
    d = Object.getOwnPropertyDescriptor(Array.prototype, Symbol.iterator);
    eq("a symbol key (es-natives)", [typeof d.value, d.enumerable], ["function", false]);
    d = Object.getOwnPropertyDescriptor(Object, "hasOwn");
    eq("Object.hasOwn (es-natives)", d.value.call(null, { a: 1 }, "a"), true);
    eq("a key that is no built-in", Object.getOwnPropertyDescriptor(Array.prototype, "nope"),
       undefined);
    eq("an ordinary accessor stays one", (function () {
        var o = {};
        Object.defineProperty(o, "g", { get: function () { return 1; }, configurable: true });
        var g = Object.getOwnPropertyDescriptor(o, "g");
        return [typeof g.get, "value" in g];
    })(), ["function", false]);
})();
