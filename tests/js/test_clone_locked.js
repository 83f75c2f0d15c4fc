/* Fetch: clone() of a Request or Response whose body is locked or disturbed
 * throws a TypeError (the body is "unusable"); a body taken as a whole by
 * another Response (new Response(r.body)) is shared, not copied. The
 * buffered body (BodyStream, lazy/body-stream.js) keeps its bytes after it
 * became a real stream: clone() must look at the stream's state first. */
(function () {
    function throws(name, fn) {
        try {
            fn();
        } catch (e) {
            if (e instanceof TypeError) { T.ok(name); } else { T.fail(name, "threw " + e); }
            return;
        }
        T.fail(name, "did not throw");
    }
    var r = new Response("abc");
    r.body.getReader();
    throws("Response.clone() of a locked buffered body", function () { r.clone(); });

    var q = new Request("http://a/", { method: "POST", body: "xyz" });
    q.body.getReader();
    throws("Request.clone() of a locked buffered body", function () { q.clone(); });

    var s = new Response("def");
    var rd = s.body.getReader();
    rd.releaseLock();
    T.async("Response.clone() of a released, unread buffered body keeps its bytes",
            s.clone().text().then(function (t) {
                T.check("clone's text after releaseLock", t, "def");
            }));

    var u = new Response("ghi");
    var c = u.clone();
    T.async("clone() of an untouched buffered body: both read it",
            Promise.all([u.text(), c.text()]).then(function (ts) {
                T.check("both texts", ts.join(","), "ghi,ghi");
            }));
})();
