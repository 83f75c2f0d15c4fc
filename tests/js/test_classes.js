/* The bootstrap's Web API classes in a real heap: behaviour and errors. */
(function () {
    var eq = T.eq;
    function throws(name, fn, ctor, errName) {
        try {
            fn();
        } catch (e) {
            if ((ctor === undefined || e instanceof ctor) && (errName === undefined || e.name === errName)) {
                T.ok(name);
            } else {
                T.fail(name, "threw " + e.name + ": " + e.message);
            }
            return;
        }
        T.fail(name, "did not throw");
    }
    function async(name, p) {
        T.async(name, p.then(function () { T.ok(name); }));
    }
    function rejects(name, p, ctor) {
        T.async(name, p.then(function () { T.fail(name, "resolved"); }, function (e) {
            if (e instanceof ctor) { T.ok(name); } else { T.fail(name, "rejected with " + e); }
        }));
    }
    function bytes(u) { return Array.prototype.slice.call(u); }

    /* globals */
    ["Promise", "Headers", "Request", "Response", "URL", "URLSearchParams", "TextEncoder",
     "TextDecoder", "atob", "btoa", "DOMException", "FormData", "Blob", "File",
     "AbortController", "AbortSignal", "Event", "EventTarget", "structuredClone", "console",
     "crypto", "queueMicrotask", "globalThis", "self"].forEach(function (g) {
        T.check("global " + g, typeof globalThis[g] !== "undefined", true);
    });
    T.check("self === globalThis", self === globalThis, true);

    /* Headers */
    var h = new Headers({ "Content-Type": "text/plain", "X-A": "1" });
    h.append("x-a", "2");
    h.append("Set-Cookie", "a=1");
    h.append("set-cookie", "b=2");
    eq("headers get combines", h.get("X-A"), "1, 2");
    eq("headers getSetCookie", h.getSetCookie(), ["a=1", "b=2"]);
    eq("headers iteration sorted", (function () { var o = []; h.forEach(function (v, k) { o.push(k + "=" + v); }); return o; })(),
       ["content-type=text/plain", "set-cookie=a=1", "set-cookie=b=2", "x-a=1, 2"]);
    var it = h.entries(), first = it.next();
    eq("headers entries()", first.value, ["content-type", "text/plain"]);
    eq("headers keys via iterator", typeof h[Symbol.iterator], "function");
    h.set("x-a", "3");
    eq("headers set replaces all", h.get("x-a"), "3");
    h["delete"]("X-A");
    eq("headers delete", h.has("x-a"), false);
    eq("headers value trimmed", new Headers([["a", "  v \t"]]).get("a"), "v");
    throws("headers invalid name TypeError", function () { new Headers({ "bad name": "x" }); }, TypeError);
    throws("headers invalid name append", function () { h.append("a:b", "x"); }, TypeError);
    throws("headers empty name", function () { h.append("", "x"); }, TypeError);
    throws("headers invalid value (newline)", function () { h.set("a", "x\ny"); }, TypeError);
    throws("headers invalid value (NUL)", function () { h.set("a", "x\u0000y"); }, TypeError);
    throws("headers invalid value (> U+00FF)", function () { h.set("a", "\u2713"); }, TypeError);
    throws("headers bad pair", function () { new Headers([["a"]]); }, TypeError);
    eq("headers latin1 value", new Headers({ a: "caf\u00e9" }).get("a"), "caf\u00e9");
    eq("headers copy", new Headers(new Headers({ a: "1" })).get("a"), "1");
    throws("headers immutable (Response.error)", function () { Response.error().headers.set("a", "1"); }, TypeError);

    /* Response */
    var r = new Response("h\u00e9llo", { status: 201, statusText: "Created", headers: { "x-a": "1" } });
    eq("response status", [r.status, r.statusText, r.ok, r.redirected, r.type, r.url], [201, "Created", true, false, "default", ""]);
    eq("response default content-type", r.headers.get("content-type"), "text/plain;charset=UTF-8");
    eq("response bodyUsed before", r.bodyUsed, false);
    async("response text then bodyUsed", r.text().then(function (t) {
        eq("response text", t, "h\u00e9llo");
        eq("response bodyUsed after", r.bodyUsed, true);
        return r.text().then(function () { throw new Error("second read resolved"); }, function (e) {
            T.check("second read TypeError", e instanceof TypeError, true);
        });
    }));
    throws("response clone after read", function () { var x = new Response("a"); x.text(); x.clone(); }, TypeError);
    throws("response status 199 RangeError", function () { new Response("", { status: 199 }); }, RangeError);
    throws("response status 600 RangeError", function () { new Response("", { status: 600 }); }, RangeError);
    throws("response null body status with body", function () { new Response("x", { status: 204 }); }, TypeError);
    throws("response bad statusText", function () { new Response("x", { statusText: "a\nb" }); }, TypeError);
    throws("Response() without new", function () { Response("x"); }, TypeError);
    throws("redirect bad status RangeError", function () { Response.redirect("http://a/", 200); }, RangeError);
    throws("redirect relative URL TypeError", function () { Response.redirect("/x"); }, TypeError);
    var rd = Response.redirect("http://example.com/a b", 301);
    eq("redirect", [rd.status, rd.headers.get("location")], [301, "http://example.com/a%20b"]);
    var rj = Response.json({ a: [1] }, { status: 202 });
    eq("Response.json", [rj.status, rj.headers.get("content-type")], [202, "application/json"]);
    async("Response.json body", rj.json().then(function (j) { eq("Response.json parsed", j, { a: [1] }); }));
    eq("Response.error", [Response.error().status, Response.error().type], [0, "error"]);
    var bin = new Uint8Array([0, 1, 255, 128, 0]);
    var rb = new Response(bin);
    bin[0] = 9;
    async("response bytes copied at construction", rb.arrayBuffer().then(function (ab) {
        eq("binary body", bytes(new Uint8Array(ab)), [0, 1, 255, 128, 0]);
    }));
    async("response from ArrayBuffer", new Response(new Uint8Array([7, 8]).buffer).bytes().then(function (u) {
        eq("ArrayBuffer body", bytes(u), [7, 8]);
    }));
    async("response from DataView", new Response(new DataView(new Uint8Array([1, 2, 3]).buffer, 1)).bytes().then(function (u) {
        eq("DataView body", bytes(u), [2, 3]);
    }));
    var rc = new Response("abc");
    var rc2 = rc.clone();
    async("clone reads independently", rc.text().then(function (a) {
        return rc2.text().then(function (b) { eq("clone text", [a, b], ["abc", "abc"]); });
    }));
    async("null body text", new Response(null).text().then(function (t) { eq("null body", t, ""); }));
    var usp = new Response(new URLSearchParams({ a: "1 2", b: "\u00e9" }));
    eq("URLSearchParams body content-type", usp.headers.get("content-type"), "application/x-www-form-urlencoded;charset=UTF-8");
    async("URLSearchParams body", usp.text().then(function (t) { eq("URLSearchParams body text", t, "a=1+2&b=%C3%A9"); }));
    rejects("json() of invalid JSON rejects SyntaxError", new Response("{").json(), SyntaxError);

    /* Request */
    var q = new Request("https://example.com/a?b=1", { method: "post", headers: { "x-a": "1" }, body: "payload" });
    eq("request", [q.method, q.url, q.headers.get("x-a"), q.headers.get("content-type"), q.redirect],
       ["POST", "https://example.com/a?b=1", "1", "text/plain;charset=UTF-8", "follow"]);
    eq("request cf absent", q.cf, undefined);
    T.check("request signal", q.signal instanceof AbortSignal && q.signal.aborted === false, true);
    var q2 = new Request(q, { headers: { "x-b": "2" } });
    eq("new Request(request, init)", [q2.method, q2.url, q2.headers.get("x-a"), q2.headers.get("x-b")],
       ["POST", "https://example.com/a?b=1", null, "2"]);
    eq("source body transferred", q.bodyUsed, true);
    async("request body moved", q2.text().then(function (t) { eq("request body", t, "payload"); }));
    throws("GET with body TypeError", function () { new Request("http://a/", { body: "x" }); }, TypeError);
    throws("relative URL TypeError", function () { new Request("/relative"); }, TypeError);
    throws("bad method TypeError", function () { new Request("http://a/", { method: "BAD METHOD" }); }, TypeError);
    throws("forbidden method TypeError", function () { new Request("http://a/", { method: "TRACE" }); }, TypeError);
    throws("bad redirect TypeError", function () { new Request("http://a/", { redirect: "nope" }); }, TypeError);
    eq("method normalized", new Request("http://a/", { method: "patch" }).method, "patch");
    eq("method normalized delete", new Request("http://a/", { method: "delete" }).method, "DELETE");
    var qc = new Request("http://a/", { method: "PUT", body: new Uint8Array([1, 2]) });
    var qcc = qc.clone();
    async("request clone", qcc.arrayBuffer().then(function (ab) { eq("request clone body", bytes(new Uint8Array(ab)), [1, 2]); }));
    var ac = new AbortController();
    eq("request signal passed", new Request("http://a/", { signal: ac.signal }).signal === ac.signal, true);

    /* FormData / Blob */
    var fd = new FormData();
    fd.append("name", "value \u00e9");
    fd.append("file", new Blob(["\u0000bin\u00ff"], { type: "application/x-test" }), "a.bin");
    var fr = new Request("http://a/", { method: "POST", body: fd });
    T.check("multipart content-type", /^multipart\/form-data; boundary=/.test(fr.headers.get("content-type")), true);
    async("multipart round trip", fr.formData().then(function (f) {
        eq("multipart field", f.get("name"), "value \u00e9");
        var file = f.get("file");
        eq("multipart file", [file instanceof File, file.name, file.type, file.size], [true, "a.bin", "application/x-test", 6]);
        return file.bytes().then(function (u) { eq("multipart file bytes", bytes(u), [0, 98, 105, 110, 195, 191]); });
    }));
    async("urlencoded formData", new Request("http://a/", { method: "POST", body: "a=1&b=x+y",
        headers: { "content-type": "application/x-www-form-urlencoded" } }).formData().then(function (f) {
        eq("urlencoded fields", [f.get("a"), f.get("b")], ["1", "x y"]);
    }));
    rejects("formData with text/plain rejects", new Response("a=1").formData(), TypeError);
    var b = new Blob(["ab", new Uint8Array([99]), new Blob(["d"])], { type: "Text/Plain" });
    eq("blob", [b.size, b.type, b.slice(1, 3).size], [4, "text/plain", 2]);
    async("blob text", b.slice(-2).text().then(function (t) { eq("blob slice text", t, "cd"); }));

    /* URL basics */
    var u = new URL("HTTPS://user:pw@B\u00fccher.example:443/a/./b/../c?q=1#f");
    eq("URL parts", [u.href, u.host, u.origin, u.pathname, u.search, u.hash],
       ["https://user:pw@xn--bcher-kva.example/a/c?q=1#f", "xn--bcher-kva.example", "https://xn--bcher-kva.example", "/a/c", "?q=1", "#f"]);
    u.searchParams.append("x", "a b");
    eq("URL searchParams update", u.search, "?q=1&x=a+b");
    throws("URL invalid TypeError", function () { new URL("nope"); }, TypeError);
    eq("URL relative", new URL("../x", "http://a/b/c/d").href, "http://a/b/x");
    eq("URL.canParse", [URL.canParse("http://a"), URL.canParse("a")], [true, false]);
    eq("URL toJSON", JSON.stringify({ u: new URL("http://a") }), "{\"u\":\"http://a/\"}");

    /* encoding, base64, DOMException */
    eq("TextEncoder", bytes(new TextEncoder().encode("\u00e9\ud83d\ude00")), [195, 169, 240, 159, 152, 128]);
    eq("TextDecoder", new TextDecoder().decode(new Uint8Array([226, 130, 172])), "\u20ac");
    throws("TextDecoder fatal", function () { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([255])); }, TypeError);
    eq("TextDecoder ignoreBOM", new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([239, 187, 191, 65])), "\ufeffA");
    var sd = new TextDecoder();
    eq("TextDecoder stream", sd.decode(new Uint8Array([226, 130]), { stream: true }) + sd.decode(new Uint8Array([172])), "\u20ac");
    throws("TextDecoder unknown label RangeError", function () { new TextDecoder("klingon"); }, RangeError);
    eq("encodeInto", new TextEncoder().encodeInto("a\u00e9b", new Uint8Array(3)), { read: 2, written: 3 });
    eq("btoa/atob", [btoa("hi\u00ff"), atob(" aGn/ ")], ["aGn/", "hi\u00ff"]);
    throws("atob invalid InvalidCharacterError", function () { atob("a"); }, DOMException, "InvalidCharacterError");
    throws("btoa non-latin1 InvalidCharacterError", function () { btoa("\u2713"); }, DOMException, "InvalidCharacterError");
    var de = new DOMException("m", "AbortError");
    eq("DOMException", [de.name, de.message, de.code, de instanceof Error, String(de)], ["AbortError", "m", 20, true, "AbortError: m"]);

    /* Abort / events */
    var c = new AbortController(), seen = [];
    c.signal.addEventListener("abort", function (e) { seen.push(e.type); });
    c.signal.onabort = function () { seen.push("onabort"); };
    c.abort();
    c.abort();
    eq("abort event once", seen, ["abort", "onabort"]);
    eq("abort reason", [c.signal.aborted, c.signal.reason.name], [true, "AbortError"]);
    throws("throwIfAborted", function () { c.signal.throwIfAborted(); }, DOMException, "AbortError");
    eq("AbortSignal.abort(reason)", AbortSignal.abort("why").reason, "why");
    throws("new AbortSignal() TypeError", function () { new AbortSignal(); }, TypeError);
    var et = new EventTarget(), n = 0;
    et.addEventListener("x", function () { n++; }, { once: true });
    et.dispatchEvent(new Event("x"));
    et.dispatchEvent(new Event("x"));
    eq("once listener", n, 1);

    /* structuredClone */
    var src = { a: [1, { b: "c" }], d: new Date(5), r: /x/gi, u: new Uint8Array([1, 2]) };
    src.self = src;
    var cl = structuredClone(src);
    eq("structuredClone", [cl !== src, cl.self === cl, cl.a[1].b, cl.d.getTime(), cl.r.source + cl.r.flags, bytes(cl.u), cl.u !== src.u],
       [true, true, "c", 5, "xgi", [1, 2], true]);
    throws("structuredClone function DataCloneError", function () { structuredClone(function () {}); }, DOMException, "DataCloneError");
    throws("structuredClone Headers DataCloneError", function () { structuredClone(new Headers()); }, DOMException, "DataCloneError");

    /* crypto */
    var rv = crypto.getRandomValues(new Uint8Array(16));
    eq("getRandomValues", rv.length, 16);
    throws("getRandomValues float TypeMismatchError", function () { crypto.getRandomValues(new Float32Array(1)); }, DOMException, "TypeMismatchError");
    throws("getRandomValues quota", function () { crypto.getRandomValues(new Uint8Array(65537)); }, DOMException, "QuotaExceededError");
    T.check("randomUUID", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()), true);
    function hex(ab) { return bytes(new Uint8Array(ab)).map(function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join(""); }
    var abc = new TextEncoder().encode("abc");
    async("digest SHA-1", crypto.subtle.digest("SHA-1", abc).then(function (d) { eq("sha1", hex(d), "a9993e364706816aba3e25717850c26c9cd0d89d"); }));
    async("digest SHA-256", crypto.subtle.digest({ name: "sha-256" }, abc).then(function (d) { eq("sha256", hex(d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"); }));
    async("digest SHA-384", crypto.subtle.digest("SHA-384", abc).then(function (d) { eq("sha384", hex(d).substring(0, 16), "cb00753f45a35e8b"); }));
    async("digest SHA-512", crypto.subtle.digest("SHA-512", abc).then(function (d) { eq("sha512", hex(d).substring(0, 16), "ddaf35a193617aba"); }));
    rejects("digest MD4 NotSupportedError", crypto.subtle.digest("MD4", abc), DOMException);
    async("HMAC sign/verify", crypto.subtle.importKey("raw", new TextEncoder().encode("key"), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]).then(function (k) {
        eq("CryptoKey", [k.type, k.algorithm.name, k.algorithm.hash.name, k.usages], ["secret", "HMAC", "SHA-256", ["sign", "verify"]]);
        var msg = new TextEncoder().encode("The quick brown fox jumps over the lazy dog");
        return crypto.subtle.sign("HMAC", k, msg).then(function (sig) {
            eq("HMAC-SHA256", hex(sig), "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
            return crypto.subtle.verify("HMAC", k, sig, msg);
        }).then(function (ok) { eq("HMAC verify", ok, true); });
    }));
    eq("timingSafeEqual", [crypto.subtle.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])),
                           crypto.subtle.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))], [true, false]);

    /* Promise + microtasks */
    var order = [];
    Promise.resolve().then(function () { order.push("p1"); });
    queueMicrotask(function () { order.push("m"); });
    Promise.resolve().then(function () { order.push("p2"); });
    order.push("sync");
    async("microtask order", Promise.resolve().then(function () {}).then(function () {
        eq("microtask order", order, ["sync", "p1", "m", "p2"]);
    }));
    async("Promise.all", Promise.all([1, Promise.resolve(2), { then: function (f) { f(3); } }]).then(function (v) { eq("all", v, [1, 2, 3]); }));
    async("Promise.allSettled", Promise.allSettled([Promise.reject(1), 2]).then(function (v) {
        eq("allSettled", v, [{ status: "rejected", reason: 1 }, { status: "fulfilled", value: 2 }]);
    }));
    async("Promise.race", Promise.race([new Promise(function () {}), Promise.resolve("r")]).then(function (v) { eq("race", v, "r"); }));
    async("Promise.any", Promise.any([Promise.reject(1), Promise.resolve(2)]).then(function (v) { eq("any", v, 2); }));
    async("Promise.any all rejected", Promise.any([Promise.reject(1)]).then(null, function (e) {
        eq("AggregateError", [e instanceof AggregateError, e.errors], [true, [1]]);
    }));
    async("finally", Promise.resolve(5)["finally"](function () { return 9; }).then(function (v) { eq("finally keeps value", v, 5); }));
    T.check("Promise toStringTag", Object.prototype.toString.call(Promise.resolve()), "[object Promise]");
})();
