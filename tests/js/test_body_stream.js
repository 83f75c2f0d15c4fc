/* Response/Request .body of a buffered body: a BodyStream (lazy/fetch-classes.js),
 * a ReadableStream as far as the app can tell, made real only when read as a
 * stream. Each case follows a statement of the Fetch or Streams standard; the
 * first ones run before anything here names ReadableStream (tests/js/runner.c
 * checks in a heap of its own that they load no streams at all). */
(function () {
    var dec = new TextDecoder();

    function bytes(u) { return JSON.stringify(Array.prototype.slice.call(u)); }
    function async(name, p) {
        T.async(name, p.then(function () { T.ok(name); }));
    }
    function rejects(name, p, ctor) {
        T.async(name, p.then(function () { T.fail(name, "resolved"); }, function (e) {
            if (e instanceof ctor) { T.ok(name); } else { T.fail(name, "rejected with " + e); }
        }));
    }
    function throws(name, fn, ctor) {
        try {
            fn();
        } catch (e) {
            if (e instanceof ctor) { T.ok(name); } else { T.fail(name, "threw " + e); }
            return;
        }
        T.fail(name, "did not throw");
    }

    /* hono's c.res rebuild: new Response(res.body, res) carries the bytes */
    var r0 = new Response('{"a":1}', { status: 201, headers: { "content-type": "application/json",
                                                                 "x-a": "1" } });
    var r1 = new Response(r0.body, r0);
    r1.headers.set("x-powered-by", "Hono");
    T.check("rebuilt: status", r1.status, 201);
    T.check("rebuilt: headers", r1.headers.get("x-a") + " " + r1.headers.get("content-type"),
            "1 application/json");
    T.check("rebuilt: same stream", r1.body === r0.body, true);
    T.check("rebuilt: bodyUsed before reading", r1.bodyUsed + " " + r0.bodyUsed, "false false");
    async("rebuilt: json()", r1.json().then(function (j) {
        T.check("rebuilt: value", j.a, 1);
        T.check("rebuilt: bodyUsed after", r1.bodyUsed + " " + r0.bodyUsed, "true true");
        T.check("rebuilt: source locked", r0.body.locked, true);
    }));
    /* one stream, two owners: whoever reads first has it */
    rejects("source read after the new one", r0.text(), TypeError);
    throws("a used stream cannot be a body again", function () { return new Response(r0.body); },
           TypeError);

    var r2 = new Response("abc");
    var b2 = r2.body;
    var r3 = new Response(b2);
    async("source read first", r2.text().then(function (t) {
        T.check("source text", t, "abc");
        T.check("other owner sees it used", r3.bodyUsed, true);
    }));
    rejects("the other owner cannot read it", r3.text(), TypeError);

    /* bytes bodies, and arrayBuffer() through a BodyStream */
    async("bytes through .body", new Response(new Response(new Uint8Array([1, 2, 250])).body)
        .arrayBuffer().then(function (ab) {
            T.check("bytes", bytes(new Uint8Array(ab)), "[1,2,250]");
        }));

    /* text() first: .body is then a locked, disturbed stream */
    var r4 = new Response("used");
    async("text() then .body", r4.text().then(function () {
        T.check("locked after text()", r4.body.locked, true);
        throws("getReader() of a used body", function () { return r4.body.getReader(); },
               TypeError);
    }));

    /* clone() of a response whose body is a BodyStream: both read it */
    var r5 = new Response(new Response("xy").body);
    var c5 = r5.clone();
    async("clone of a BodyStream body", Promise.all([r5.text(), c5.text()]).then(function (t) {
        T.check("clone texts", t.join(","), "xy,xy");
    }));

    /* Request bodies too; new Request(req) moves the body */
    var q = new Request("http://x/", { method: "POST", body: "payload" });
    var q2 = new Request("http://y/", { method: "POST", body: q.body });
    async("request body through .body", q2.text().then(function (t) {
        T.check("request text", t, "payload");
        T.check("request bodyUsed", q.bodyUsed, true);
    }));

    /* Read as a stream: a reader gets the bytes, and the body is used */
    var r6 = new Response("hey");
    var rd = r6.body.getReader();
    T.check("locked by getReader", r6.body.locked, true);
    async("getReader().read()", rd.read().then(function (x) {
        T.check("chunk", bytes(x.value), "[104,101,121]");
        T.check("bodyUsed after a read", r6.bodyUsed, true);
        return rd.read();
    }).then(function (x) {
        T.check("then done", x.done, true);
    }));
    rejects("text() of a body a reader holds", r6.text(), TypeError);

    /* tee(), cancel(), async iteration, pipeThrough on a BodyStream */
    var t7 = new Response("ab").body.tee();
    async("tee", Promise.all([new Response(t7[0]).text(), new Response(t7[1]).text()])
        .then(function (t) { T.check("tee texts", t.join(","), "ab,ab"); }));
    var r8 = new Response("gone");
    async("cancel", r8.body.cancel().then(function () {
        T.check("bodyUsed after cancel", r8.bodyUsed, true);
    }));
    var it = new Response("it")[["body"]][Symbol.asyncIterator]();
    async("async iterator", it.next().then(function (x) {
        T.check("iterated chunk", dec.decode(x.value), "it");
    }));
    async("pipeThrough", new Response(new Response("pipe").body
        .pipeThrough(new TextDecoderStream()).pipeThrough(new TextEncoderStream())).text().then(function (t) {
            T.check("piped", t, "pipe");
        }));

    /* What it is */
    var b9 = new Response("z").body;
    T.check("instanceof ReadableStream", b9 instanceof ReadableStream, true);
    T.check("constructor", b9.constructor === ReadableStream, true);
    T.check("toString tag", Object.prototype.toString.call(b9), "[object ReadableStream]");
    T.check("locked getter", b9.locked, false);
    /* made after the streams loaded: the same behaviour */
    var r10 = new Response("late");
    async("after load: rebuilt", new Response(r10.body, r10).text().then(function (t) {
        T.check("after load text", t, "late");
        T.check("after load source used", r10.bodyUsed, true);
    }));
    var r11 = new Response("late2");
    async("after load: reader", r11.body.getReader().read().then(function (x) {
        T.check("after load chunk", dec.decode(x.value), "late2");
    }));
    T.check("no body: null", new Response(null).body, null);
})();
