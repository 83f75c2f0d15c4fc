/*
 * Lazy globals and polyfills (native.lazyDefine, worker/js/boot_lazy.c):
 * accessors until first read, then the real data property. Sorted first by
 * the runner's glob, so it sees the heap before other tests load things;
 * each check that needs an untouched accessor looks at the descriptor first.
 */
(function () {
    function desc(o, k) {
        return Object.getOwnPropertyDescriptor(o, k);
    }
    var eq = T.eq;
    function isLazy(o, k) {
        var d = desc(o, k);
        return d !== undefined && typeof d.get === "function";
    }

    /* A fresh heap: Promise, Headers, timers, fetch, console are accessors. */
    ["Promise", "Headers", "setTimeout", "setInterval", "clearTimeout", "clearInterval",
     "fetch", "console", "URL", "Blob", "crypto", "atob", "btoa", "queueMicrotask"].forEach(function (g) {
        var d = desc(globalThis, g);
        T.check("lazy " + g + " is a non-enumerable, configurable accessor",
                d !== undefined && typeof d.get === "function" && !d.enumerable
                && d.configurable, true);
    });

    /* Request and Response members beyond the constructor, Response.json and
     * the slots are lazy/fetch-classes.js's. */
    T.check("Response.prototype.status is lazy",
            [desc(Response.prototype, "status").enumerable, isLazy(Response.prototype, "status")]
            .join(), "false,true");
    T.check("Response status", new Response("x", { status: 201 }).status, 201);
    T.check("Response.prototype.status is the real getter now",
            desc(Response.prototype, "status").enumerable, true);
    T.check("toStringTag", Object.prototype.toString.call(new Response("")),
            "[object Response]");
    T.check("Request.prototype.constructor", Request.prototype.constructor === Request, true);
    T.check("Request", new Request("http://a.test/x", { method: "POST", body: "b" }).method,
            "POST");
    T.check("Response.redirect", Response.redirect("http://a.test/", 301).headers.get("location"),
            "http://a.test/");

    /* First read: the file runs, the global becomes a plain data property. */
    T.check("typeof setTimeout", typeof setTimeout, "function");
    var d = desc(globalThis, "setTimeout");
    eq("setTimeout is data after the first read",
            [d.get === undefined, d.writable, d.enumerable, d.configurable],
            [true, true, false, true]);
    T.check("the same file defined clearInterval", isLazy(globalThis, "clearInterval"), false);
    T.check("Promise.resolve", typeof Promise.resolve(1).then, "function");
    T.check("Headers", new Headers({ a: "1" }).get("a"), "1");

    /* A write through an object inheriting from the global defines an own,
     * enumerable property there and loads nothing. */
    var child = Object.create(globalThis);
    var wasLazy = isLazy(globalThis, "SubtleCrypto");
    child.SubtleCrypto = 42;
    eq("write on an heir", [child.SubtleCrypto, Object.keys(child).indexOf("SubtleCrypto")
                                 !== -1], [42, true]);
    T.check("the global accessor is left alone",
            isLazy(globalThis, "SubtleCrypto"), wasLazy);

    /* Polyfill stubs on prototypes: the receiver may be a primitive. */
    T.check("'ab'.at(-1)", "ab".at(-1), "b");
    T.check("[1, 2].includes(2)", [1, 2].includes(2), true);
    T.check("Array.prototype.includes is data once loaded",
            isLazy(Array.prototype, "includes"), false);
    var a = [1];
    a.flat = 7;
    T.check("an own property shadows a loaded built-in", a.flat, 7);
    T.check("new Map().set(1, 2).get(1)", new Map().set(1, 2).get(1), 2);
    T.check("Map is data once loaded", isLazy(globalThis, "Map"), false);
})();
