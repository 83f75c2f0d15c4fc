/* V8's words for a property read or write on undefined or null
 * (duk-patches/124): "Cannot read properties of undefined (reading 'x')",
 * and "undefined is not iterable (...)" for a Symbol.iterator read (a lowered
 * for-of or spread). Expected values are Node 20's. */
(function () {
    var cases = [
      ["read of undefined", function () { var u; return u.x; }],
      ["read of null", function () { var n = null; return n.name; }],
      ["read an index", function () { var n = null; return n[0]; }],
      ["read a computed key", function () { var u, k = "a b"; return u[k]; }],
      ["read a symbol key", function () { var u; return u[Symbol("s")]; }],
      ["read Symbol.iterator", function () { var u; return u[Symbol.iterator]; }],
      ["read a fractional key", function () { var u; return u[1.5]; }],
      ["read a boolean key", function () { var u; return u[true]; }],
      ["read an empty key", function () { var u; return u[""]; }],
      ["read through a chain", function () { var o = { a: {} }; return o.a.b.c; }],
      ["write to undefined", function () { var u; u.x = 1; }],
      ["write to null", function () { var n = null; n.y = 2; }],
      ["write an index to null", function () { var n = null; n[3] = 2; }],
      ["read of a missing argument", function () { return (function (req) { return req.headers; })(); }],
      ["destructuring-like read", function () { var r = JSON.parse("null"); return r.items.length; }],
      ["Unicode key", function () { var u; return u["Zoë"]; }],
      ["the error is a TypeError", function () { try { var u; u.x; } catch (e) { return [e instanceof TypeError, e.name, String(e)]; } }]
    ];

    var want = ["TypeError: Cannot read properties of undefined (reading 'x')",
        "TypeError: Cannot read properties of null (reading 'name')",
        "TypeError: Cannot read properties of null (reading '0')",
        "TypeError: Cannot read properties of undefined (reading 'a b')",
        "TypeError: Cannot read properties of undefined (reading 'Symbol(s)')",
        "TypeError: undefined is not iterable (cannot read property Symbol(Symbol.iterator))",
        "TypeError: Cannot read properties of undefined (reading '1.5')",
        "TypeError: Cannot read properties of undefined (reading 'true')",
        "TypeError: Cannot read properties of undefined (reading '')",
        "TypeError: Cannot read properties of undefined (reading 'c')",
        "TypeError: Cannot set properties of undefined (setting 'x')",
        "TypeError: Cannot set properties of null (setting 'y')",
        "TypeError: Cannot set properties of null (setting '3')",
        "TypeError: Cannot read properties of undefined (reading 'headers')",
        "TypeError: Cannot read properties of null (reading 'items')",
        "TypeError: Cannot read properties of undefined (reading 'Zo\u00eb')",
        "[true,\"TypeError\",\"TypeError: Cannot read properties of undefined (reading 'x')\"]"];
    var i, got;

    for (i = 0; i < cases.length; i++) {
        try {
            got = JSON.stringify(cases[i][1]());
        } catch (e) {
            got = e.name + ": " + e.message;
        }
        T.check(cases[i][0], got, want[i]);
    }

    /* the key whole, as V8 writes it: Duktape's formatted errors stopped at
     * 256 bytes, cutting a long key (and a UTF-8 character) in two */
    var long = new Array(301).join("\u00e9"), msg, u;
    try { u[long]; } catch (e) { msg = e.message; }
    T.check("a 300-character key read", msg, "Cannot read properties of undefined (reading '" + long + "')");
    T.check("its message re-encodes", encodeURIComponent(msg).length > 0, true);
    try { u = null; u[long + "!"] = 1; } catch (e) { msg = e.message; }
    T.check("a 301-character key written", msg, "Cannot set properties of null (setting '" + long + "!')");
    try { u = undefined; u["a\u0000b"]; } catch (e) { msg = e.message; }
    T.check("a key with a NUL", msg, "Cannot read properties of undefined (reading 'a\u0000b')");
    try { u[Symbol(long)]; } catch (e) { msg = e.message; }
    T.check("a symbol with a long description", msg,
            "Cannot read properties of undefined (reading 'Symbol(" + long + ")')");
})();
