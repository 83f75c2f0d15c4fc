/* A function's automatic .prototype is made on first look
 * (worker/js/duk-patches/50-lazy-function-prototype.patch): every way of
 * looking at it must see what an eager one gave. */
(function () {
    var eq = T.eq;
    function fresh() {
        return function F(a, b) { this.a = a; this.b = b; };
    }

    var F = fresh();
    eq("read: an object whose constructor is the function",
       [typeof F.prototype, F.prototype.constructor === F,
        Object.getPrototypeOf(F.prototype) === Object.prototype], ["object", true, true]);
    eq("same object on every read", F.prototype === F.prototype, true);

    F = fresh();
    var o = new F(1, 2);
    eq("new: instances inherit from it", [Object.getPrototypeOf(o) === F.prototype, o.a, o.b,
                                          o.constructor === F], [true, 1, 2, true]);
    F = fresh();
    eq("instanceof before any read", new F() instanceof F, true);
    eq("instanceof a fresh function is false", {} instanceof fresh(), false);

    F = fresh();
    var d = Object.getOwnPropertyDescriptor(F, "prototype");
    eq("descriptor: writable, not enumerable, not configurable",
       [d.writable, d.enumerable, d.configurable, d.value.constructor === F], [true, false, false,
                                                                              true]);
    var cd = Object.getOwnPropertyDescriptor(fresh().prototype, "constructor");
    eq("constructor: writable, not enumerable, configurable",
       [cd.writable, cd.enumerable, cd.configurable], [true, false, true]);

    eq("hasOwnProperty", fresh().hasOwnProperty("prototype"), true);
    eq("in", "prototype" in fresh(), true);
    eq("getOwnPropertyNames lists it", Object.getOwnPropertyNames(fresh()).indexOf("prototype") >= 0,
       true);
    eq("Reflect.ownKeys lists it", Reflect.ownKeys(fresh()).indexOf("prototype") >= 0, true);
    eq("Object.keys does not (not enumerable)", Object.keys(fresh()), []);
    var seen = [];
    for (var k in fresh()) {
        seen.push(k);
    }
    eq("for-in does not", seen, []);

    F = fresh();
    var mine = { mine: 1 };
    F.prototype = mine;
    eq("assignment before any read replaces it", [F.prototype === mine, new F().mine], [true, 1]);
    F = fresh();
    eq("delete fails (not configurable)", [delete F.prototype, typeof F.prototype],
       [false, "object"]);
    F = fresh();
    Object.defineProperty(F, "prototype", { value: mine });
    eq("defineProperty replaces it", F.prototype === mine, true);
    F = fresh();
    var threw = false;
    try {
        Object.defineProperty(F, "prototype", { get: function () { return 1; } });
    } catch (e) {
        threw = e instanceof TypeError;
    }
    eq("defineProperty to an accessor throws (not configurable)", threw, true);

    F = fresh();
    Object.freeze(F);
    eq("freeze freezes it", [Object.isFrozen(F), Object.getOwnPropertyDescriptor(F, "prototype")
        .writable], [true, false]);
    F = fresh();
    Object.preventExtensions(F);
    eq("isFrozen of a non-extensible function: its prototype is writable",
       [Object.isFrozen(F), Object.isSealed(F), typeof F.prototype], [false, false, "object"]);
    F = fresh();
    Object.seal(F);
    eq("seal", [Object.isSealed(F), Object.isFrozen(F)], [true, false]);

    /* Functions that never get one: methods, getters, bound functions
     * (ES2015: method definitions are not constructors). */
    var obj = { m: function () {}, s() {}, get g() { return 1; } };
    eq("function expression in an object has one", typeof obj.m.prototype, "object");
    eq("method shorthand has none", obj.s.hasOwnProperty("prototype"), false);
    var gd = Object.getOwnPropertyDescriptor(obj, "g");
    eq("getter has none", gd.get.hasOwnProperty("prototype"), false);
    F = fresh();
    var B = F.bind(null, 7);
    eq("bound function: none, new uses the target's", [B.hasOwnProperty("prototype"),
                                                        new B(8) instanceof F, new B(8).a],
       [false, true, 7]);

    /* Constructors built the ES5 way (what Babel's classes lower to). */
    function Base(x) { this.x = x; }
    Base.prototype.get = function () { return this.x; };
    function Sub(x) { Base.call(this, x); }
    Sub.prototype = Object.create(Base.prototype, { constructor: { value: Sub } });
    var s = new Sub(5);
    eq("ES5 inheritance", [s.get(), s instanceof Base, s instanceof Sub, Sub.prototype.constructor
                           === Sub], [5, true, true, true]);

    /* Many closures: each may or may not have its prototype looked at. */
    var made = [];
    for (var i = 0; i < 1000; i++) {
        made.push(function () { return i; });
        if (i % 3 === 0) {
            made[i].prototype.tag = i;
        }
    }
    eq("1000 closures, a third looked at", [made[999].prototype.tag, made[3].prototype.tag,
                                            made[4].prototype.constructor === made[4]],
       [999, 3, true]);
    eq("name and length are unchanged", [fresh().name, fresh().length], ["F", 2]);

    /* Built-ins in C that look at a function's own properties or construct
     * through it (worker/js/builtins.c, worker/js/collections.c). */
    eq("Object.hasOwn (es-natives) sees it", Object.hasOwn(fresh(), "prototype"), true);
    F = fresh();
    F.extra = 1;
    eq("Object.values/entries (es-natives): not enumerable",
       [Object.values(F), Object.entries(F)], [[1], [["extra", 1]]]);
    F = fresh();
    var arr = Array.from.call(F, [1, 2]);
    eq("Array.from with a constructor as this", [arr instanceof F, Object.getPrototypeOf(arr) ===
                                                 F.prototype, arr.length, arr[1]],
       [true, true, 2, 2]);
    /* (Duktape's Reflect.construct takes no newTarget: Babel's wrapper
     * for native classes does this.) */
    function MyMap() {
        var m = new Map();
        Object.setPrototypeOf(m, MyMap.prototype);
        return m;
    }
    MyMap.prototype = Object.create(Map.prototype, { constructor: { value: MyMap } });
    var mm = new MyMap();
    mm.set("a", 1);
    eq("a Map subclass the ES5 way", [mm instanceof MyMap, mm instanceof Map, mm.get("a")],
       [true, true, 1]);

    /* Closures as keys: a WeakMap keeps its data on the key as a hidden own
     * property; making the prototype later must keep both. */
    var wm = new WeakMap(), ws = new WeakSet(), m = new Map(), st = new Set(), fns = [];
    for (i = 0; i < 50; i++) {
        fns.push(fresh());
        wm.set(fns[i], i);
        ws.add(fns[i]);
        m.set(fns[i], i);
        st.add(fns[i]);
    }
    var good = 0;
    for (i = 0; i < 50; i++) {
        var f = fns[i], p = f.prototype;
        if (wm.get(f) === i && ws.has(f) && m.get(f) === i && st.has(f) && typeof p === "object" &&
            p.constructor === f && new f() instanceof f &&
            Object.getOwnPropertyNames(f).indexOf("prototype") >= 0 &&
            Reflect.ownKeys(f).every(function (k) { return typeof k !== "string" ||
                                                          k.charCodeAt(0) !== 0xff; })) {
            good++;
        }
    }
    eq("functions keyed in WeakMap/WeakSet/Map/Set, prototype made after", good, 50);
    F = fresh();
    wm.set(F, "x");
    Object.freeze(F);
    eq("frozen after a WeakMap set: still found, prototype frozen", [wm.get(F), Object.isFrozen(F),
        Object.getOwnPropertyDescriptor(F, "prototype").writable], ["x", true, false]);
    F = fresh();
    var proxied = new Proxy(F, {});
    eq("through a Proxy", [typeof proxied.prototype, proxied.prototype === F.prototype,
                           new proxied() instanceof F], ["object", true, true]);
    F = fresh();
    eq("JSON.stringify of a function's prototype", JSON.stringify(F.prototype), "{}");
    eq("Object.assign copies no prototype", Object.keys(Object.assign({}, fresh())), []);
})();
