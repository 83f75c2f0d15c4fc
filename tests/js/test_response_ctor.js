/* The Response constructor is native (native.responseConstructor,
 * worker/js/bind_http.c): `new Response("text")` is done in C, every other
 * call goes to its JS general case. Both must look like the JS constructor
 * did, and like a class constructor from outside (Node's and workerd's). */
(function () {
    var eq = T.eq;
    function outside(r) {
        var h = [], own = Object.keys(r).length;     /* before .headers makes _headers */
        r.headers.forEach(function (v, k) { h.push(k + ": " + v); });
        return [r instanceof Response, Object.getPrototypeOf(r) === Response.prototype, r.status,
                r.statusText, r.ok, r.type, r.bodyUsed, h, own];
    }
    function thrown(fn) {
        try {
            fn();
        } catch (e) {
            return e.name + ": " + e.message;
        }
        return "no throw";
    }

    var plain = new Response("Hello World"), look = outside(plain);
    eq("string body: what it looks like", look,
       [true, true, 200, "", true, "default", false,
        ["content-type: text/plain;charset=UTF-8"], 2]);
    eq("string body: the same as with an empty init", look,
       outside(new Response("Hello World", {})));
    eq("string body: the same as with a null init", look,
       outside(new Response("Hello World", null)));
    T.async("string body: text", plain.text().then(function (t) {
        eq("string body: text", t, "Hello World");
    }));
    eq("empty string body", outside(new Response("")), outside(new Response("", {})));
    eq("no body", outside(new Response()).slice(0, 8),
       [true, true, 200, "", true, "default", false, []]);
    eq("init with a string body", outside(new Response("x", {
        status: 201, statusText: "Made", headers: { "x-a": "1" }
    })), [true, true, 201, "Made", true, "default", false,
          ["content-type: text/plain;charset=UTF-8", "x-a: 1"], 5]);
    eq("null body status with a string body",
       thrown(function () { return new Response("x", { status: 204 }); }),
       "TypeError: Failed to construct 'Response': Response with null body status cannot "
       + "have body");
    T.async("bytes body", new Response(new Uint8Array([104, 105])).text().then(function (t) {
        eq("bytes body: text", t, "hi");
    }));

    /* Called as a function, or on something that is not a Response. */
    var noNew = "TypeError: Failed to construct 'Response': Please use the 'new' operator, "
        + "this DOM object constructor cannot be called as a function.";
    eq("called without new", thrown(function () { return Response("x"); }), noNew);
    eq("called on a plain object", thrown(function () { Response.call({}, "x"); }), noNew);
    eq("called on undefined", thrown(function () { Response.call(undefined); }), noNew);

    /* Subclasses: ES5 (Response.call on the instance), and Reflect.construct. */
    function Sub(body) { Response.call(this, body); }
    Sub.prototype = Object.create(Response.prototype);
    Sub.prototype.constructor = Sub;
    var s = new Sub("sub body");
    eq("ES5 subclass", [s instanceof Sub, s instanceof Response, s.status,
                        s.headers.get("content-type")],
       [true, true, 200, "text/plain;charset=UTF-8"]);
    T.async("ES5 subclass: text", s.text().then(function (t) {
        eq("ES5 subclass: text", t, "sub body");
    }));
    /* (Duktape has no [[Construct]] with another newTarget: Babel's classes
     * fall back to Response.apply(this, arguments), the ES5 case above.) */
    var s2 = Reflect.construct(Response, ["r body", { status: 202 }]);
    eq("Reflect.construct", [Object.getPrototypeOf(s2) === Response.prototype, s2.status],
       [true, 202]);
    var s3 = Reflect.construct(Response, ["plain"]);
    eq("Reflect.construct, string body", s3.headers.get("content-type"),
       "text/plain;charset=UTF-8");

    /* A setter for _body up the chain is honoured, as the JS assignment did. */
    var seen = [];
    function Spy(body) { Response.call(this, body); }
    Spy.prototype = Object.create(Response.prototype);
    Object.defineProperty(Spy.prototype, "_body", {
        set: function (v) { seen.push(v); }, get: function () { return null; }
    });
    var spy = new Spy("to the setter");
    eq("a setter on the chain runs", [seen, Object.prototype.hasOwnProperty.call(spy, "_body")],
       [["to the setter"], false]);
    var frozen = Object.create(Response.prototype);
    Object.preventExtensions(frozen);
    eq("a non-extensible this: TypeError (strict assignment)",
       thrown(function () { Response.call(frozen, "x"); }).slice(0, 10), "TypeError:");

    /* The constructor from outside: as a class's. */
    var d = Object.getOwnPropertyDescriptor(Response, "prototype");
    eq("prototype property", [d.writable, d.enumerable, d.configurable], [false, false, false]);
    d = Object.getOwnPropertyDescriptor(Response.prototype, "constructor");
    eq("constructor property", [d.value === Response, d.writable, d.enumerable, d.configurable],
       [true, true, false, true]);
    eq("name and length", [Response.name, Response.length, typeof Response], ["Response", 0,
                                                                              "function"]);
    eq("Response.json still there", Response.json({ a: 1 }).headers.get("content-type"),
       "application/json");
    eq("Response.redirect still there", Response.redirect("http://x/", 302).status, 302);
    eq("new Response is a fresh object each time", new Response("a") !== new Response("a"),
       true);
})();
