/* Response.json(data, init): without init it skips the Response constructor
 * (a bare Response with its body and content type set); with init it goes
 * through it. Both must look the same from outside. */
(function () {
    var eq = T.eq;
    function throws(name, fn, ctor) {
        try {
            fn();
        } catch (e) {
            if (e instanceof ctor) {
                T.ok(name);
            } else {
                T.fail(name, "threw " + e.name + ": " + e.message);
            }
            return;
        }
        T.fail(name, "did not throw");
    }
    function outside(r) {
        var h = [];
        r.headers.forEach(function (v, k) { h.push(k + ": " + v); });
        return [r instanceof Response, Object.getPrototypeOf(r) === Response.prototype, r.status,
                r.statusText, r.ok, r.type, r.url, r.redirected, r.bodyUsed, h];
    }

    var plain = Response.json({ a: [1, "\u00e9"], b: null });
    var same = Response.json({ a: [1, "\u00e9"], b: null }, {});
    eq("no init: what it looks like", outside(plain),
       [true, true, 200, "", true, "default", "", false, false,
        ["content-type: application/json"]]);
    eq("no init and {}: the same", outside(plain), outside(same));
    T.async("no init: body", plain.text().then(function (t) {
        eq("no init: body text", t, "{\"a\":[1,\"\u00e9\"],\"b\":null}");
        eq("no init: body used after", plain.bodyUsed, true);
    }));
    T.async("no init: json()", Response.json("s").json().then(function (v) {
        eq("no init: a string round trip", v, "s");
    }));

    var r = Response.json([1]);
    r.headers.set("x-a", "1");
    eq("no init: headers made on first read, content type kept", outside(r)[9],
       ["content-type: application/json", "x-a: 1"]);
    var c = Response.json(2).clone();
    T.async("no init: clone", c.text().then(function (t) { eq("no init: clone body", t, "2"); }));

    eq("init: status and headers", outside(Response.json(0, { status: 201, statusText: "Made",
        headers: { "x-b": "2" } })),
       [true, true, 201, "Made", true, "default", "", false, false,
        ["content-type: application/json", "x-b: 2"]]);
    eq("init: an explicit content type wins",
       Response.json(0, { headers: { "Content-Type": "application/vnd.x+json" } })
           .headers.get("content-type"), "application/vnd.x+json");
    throws("undefined data is a TypeError", function () { Response.json(undefined); }, TypeError);
    throws("a function is a TypeError", function () { Response.json(function () {}); }, TypeError);
    throws("a cycle is a TypeError", function () {
        var o = {};
        o.o = o;
        Response.json(o);
    }, TypeError);
    throws("a null-body status is a TypeError", function () {
        Response.json({}, { status: 204 });
    }, TypeError);
    throws("a bad status is a RangeError", function () {
        Response.json({}, { status: 99 });
    }, RangeError);
})();
