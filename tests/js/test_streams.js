/* Streams (WHATWG Streams standard, Encoding, Compression, Fetch body
 * integration) in a real heap: each case follows a statement of the spec. */
(function () {
    var enc = new TextEncoder(), dec = new TextDecoder();

    var eq = T.eq;
    function async(name, p) {
        T.async(name, p.then(function () { T.ok(name); }));
    }
    function rejects(name, p, ctor) {
        T.async(name, p.then(function () { T.fail(name, "resolved"); }, function (e) {
            if (ctor === undefined || e instanceof ctor) { T.ok(name); } else {
                T.fail(name, "rejected with " + e);
            }
        }));
    }
    function throws(name, fn, ctor) {
        try {
            fn();
        } catch (e) {
            if (ctor === undefined || e instanceof ctor) { T.ok(name); } else {
                T.fail(name, "threw " + e);
            }
            return;
        }
        T.fail(name, "did not throw");
    }
    function bytes(u) { return Array.prototype.slice.call(u); }
    /* resolves after n microtask turns (the runner has no timers) */
    function later(n) {
        var p = Promise.resolve(), k;
        for (k = 0; k < n; k++) { p = p.then(function () {}); }
        return p;
    }
    /* -> Promise of every chunk of s */
    function collect(s) {
        var r = s.getReader(), out = [];
        function step() {
            return r.read().then(function (x) {
                if (x.done) { return out; }
                out.push(x.value);
                return step();
            });
        }
        return step();
    }
    function fromChunks(chunks) {
        return new ReadableStream({
            start: function (c) {
                chunks.forEach(function (x) { c.enqueue(x); });
                c.close();
            }
        });
    }

    /* globals exist and load lazily */
    ["ReadableStream", "WritableStream", "TransformStream", "ByteLengthQueuingStrategy",
     "CountQueuingStrategy", "TextEncoderStream", "TextDecoderStream", "CompressionStream",
     "DecompressionStream", "IdentityTransformStream", "FixedLengthStream",
     "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "WritableStreamDefaultWriter",
     "ReadableByteStreamController", "ReadableStreamDefaultController",
     "TransformStreamDefaultController"].forEach(function (g) {
        T.check("global " + g, typeof globalThis[g], "function");
    });

    /* ReadableStream: getReader locks; a second reader throws TypeError */
    var rs = fromChunks(["a", "b"]);
    var rd = rs.getReader();
    T.check("locked after getReader", rs.locked, true);
    throws("second getReader throws", function () { rs.getReader(); }, TypeError);
    rd.releaseLock();
    T.check("releaseLock unlocks", rs.locked, false);
    async("reads in order then done", collect(rs).then(function (c) { eq("chunks", c, ["a", "b"]); }));

    /* start's controller.error makes reads reject with that error */
    var boom = new Error("boom");
    rejects("errored stream rejects read", new ReadableStream({
        start: function (c) { c.error(boom); }
    }).getReader().read(), Error);

    /* cancel(reason) calls the source's cancel with the reason; closed resolves */
    var why = null;
    var cs = new ReadableStream({ cancel: function (r) { why = r; } });
    async("cancel reaches the source", cs.cancel("stop").then(function () {
        T.check("cancel reason", why, "stop");
    }));

    /* desiredSize follows the strategy; pull is called while desiredSize > 0 */
    var pulls = 0;
    var ps = new ReadableStream({
        pull: function (c) { pulls++; c.enqueue(pulls); if (pulls === 5) { c.close(); } }
    }, new CountQueuingStrategy({ highWaterMark: 2 }));
    async("pull fills up to the high-water mark", later(20).then(function () {
        T.check("pulls before any read", pulls, 2);
        return collect(ps);
    }).then(function (c) { eq("pulled chunks", c, [1, 2, 3, 4, 5]); }));

    /* queuing strategies */
    T.check("ByteLengthQueuingStrategy size", new ByteLengthQueuingStrategy({ highWaterMark: 4 })
            .size(new Uint8Array(7)), 7);
    T.check("CountQueuingStrategy size", new CountQueuingStrategy({ highWaterMark: 4 })
            .size("x"), 1);

    /* tee: both branches see every chunk */
    var tt = fromChunks([1, 2, 3]).tee();
    async("tee", Promise.all([collect(tt[0]), collect(tt[1])]).then(function (r) {
        eq("tee branches", r, [[1, 2, 3], [1, 2, 3]]);
    }));

    /* async iteration: values() and Symbol.asyncIterator (the key core-js installs) */
    var ai = fromChunks(["x", "y"]);
    T.check("asyncIterator key", typeof ai[Symbol.for("Symbol.asyncIterator")], "function");
    async("async iterator", (function () {
        var it = ai.values(), out = [];
        function step() {
            return it.next().then(function (x) {
                if (x.done) { return out; }
                out.push(x.value);
                return step();
            });
        }
        return step().then(function (o) { eq("iterated", o, ["x", "y"]); });
    })());
    T.check("Symbol.asyncIterator matches", typeof ai[Symbol.asyncIterator], "function");

    /* ReadableStream.from(iterable) */
    async("ReadableStream.from", collect(ReadableStream.from(["p", "q"])).then(function (c) {
        eq("from chunks", c, ["p", "q"]);
    }));

    /* byte streams and the BYOB reader: read(view) fills the given view */
    var bs = new ReadableStream({
        type: "bytes",
        pull: function (c) {
            var v = c.byobRequest.view;
            v[0] = 7; v[1] = 8;
            c.byobRequest.respond(2);
            c.close();
        }
    });
    var byob = bs.getReader({ mode: "byob" });
    async("BYOB read", byob.read(new Uint8Array(4)).then(function (x) {
        eq("BYOB bytes", bytes(x.value), [7, 8]);
    }));
    throws("BYOB reader on a default stream", function () {
        new ReadableStream().getReader({ mode: "byob" });
    }, TypeError);

    /* WritableStream: writes in order, close waits for them; abort reaches the sink */
    var written = [];
    var ws = new WritableStream({
        write: function (chunk) {
            return later(3).then(function () { written.push(chunk); });
        }
    });
    var w = ws.getWriter();
    w.write("1");
    w.write("2");
    async("writer close after writes", w.close().then(function () {
        eq("written", written, ["1", "2"]);
    }));
    var aborted = null;
    var aw = new WritableStream({ abort: function (r) { aborted = r; } }).getWriter();
    async("abort reaches the sink", aw.abort("no").then(function () {
        T.check("abort reason", aborted, "no");
    }));
    /* backpressure: desiredSize goes to 0 with a full queue */
    var slow = new WritableStream({ write: function () { return new Promise(function () {}); } },
                                  new CountQueuingStrategy({ highWaterMark: 1 }));
    var sw = slow.getWriter();
    sw.write("a");
    sw.write("b");
    T.check("writer desiredSize under backpressure", sw.desiredSize <= 0, true);

    /* pipeTo: every chunk, then the destination closes */
    var sink = [];
    async("pipeTo", fromChunks(["m", "n"]).pipeTo(new WritableStream({
        write: function (c) { sink.push(c); }
    })).then(function () { eq("piped", sink, ["m", "n"]); }));
    /* pipeTo with preventClose leaves the destination open; errors propagate */
    rejects("pipeTo propagates a source error", new ReadableStream({
        start: function (c) { c.error(new TypeError("src")); }
    }).pipeTo(new WritableStream()), TypeError);

    /* TransformStream: transform, flush, pipeThrough */
    var up = new TransformStream({
        transform: function (c, ctl) { ctl.enqueue(String(c).toUpperCase()); },
        flush: function (ctl) { ctl.enqueue("!"); }
    });
    async("pipeThrough", collect(fromChunks(["a", "b"]).pipeThrough(up)).then(function (c) {
        eq("transformed", c, ["A", "B", "!"]);
    }));
    var id = new TransformStream();
    async("identity TransformStream", collect(fromChunks([1]).pipeThrough(id)).then(function (c) {
        eq("identity", c, [1]);
    }));

    /* TextEncoderStream: a surrogate pair split over two chunks encodes once */
    async("TextEncoderStream surrogates", collect(fromChunks(["a\uD83D", "\uDE00b"])
        .pipeThrough(new TextEncoderStream())).then(function (c) {
            var all = [];
            c.forEach(function (u) { all = all.concat(bytes(u)); });
            eq("utf-8 bytes", all, [0x61, 0xF0, 0x9F, 0x98, 0x80, 0x62]);
        }));
    T.check("TextEncoderStream encoding", new TextEncoderStream().encoding, "utf-8");
    T.check("TextEncoderStream is a TransformStream",
            new TextEncoderStream() instanceof TransformStream, true);
    /* TextDecoderStream: a multi-byte character split over chunks */
    async("TextDecoderStream split", collect(fromChunks([new Uint8Array([0x68, 0xC3]),
                                                        new Uint8Array([0xA9])])
        .pipeThrough(new TextDecoderStream())).then(function (c) {
            T.check("decoded", c.join(""), "hé");
        }));
    rejects("TextDecoderStream rejects strings", collect(fromChunks(["x"])
        .pipeThrough(new TextDecoderStream())), TypeError);

    /* IdentityTransformStream / FixedLengthStream (Workers) */
    rejects("IdentityTransformStream rejects strings", collect(fromChunks(["x"])
        .pipeThrough(new IdentityTransformStream())), TypeError);
    var fl = new FixedLengthStream(3);
    rejects("FixedLengthStream too many bytes", collect(fromChunks([new Uint8Array(4)])
        .pipeThrough(fl)), TypeError);
    rejects("FixedLengthStream too few bytes", collect(fromChunks([new Uint8Array(2)])
        .pipeThrough(new FixedLengthStream(3))), TypeError);
    throws("FixedLengthStream needs a length", function () { new FixedLengthStream(-1); },
           TypeError);

    /* CompressionStream / DecompressionStream round trips, every format */
    ["gzip", "deflate", "deflate-raw"].forEach(function (f) {
        var text = new Array(200).join("compress me ");
        async("round trip " + f, new Response(new Response(text).body
            .pipeThrough(new CompressionStream(f))
            .pipeThrough(new DecompressionStream(f))).text().then(function (t) {
                T.check(f + " text", t, text);
            }));
    });
    throws("CompressionStream bad format", function () { new CompressionStream("brotli"); },
           TypeError);
    rejects("DecompressionStream of garbage", new Response(fromChunks([new Uint8Array([1, 2, 3, 4])])
        .pipeThrough(new DecompressionStream("gzip"))).text(), TypeError);
    /* gzip output starts with the gzip magic */
    async("gzip magic", new Response(new Response("x").body.pipeThrough(
        new CompressionStream("gzip"))).arrayBuffer().then(function (b) {
            eq("magic", bytes(new Uint8Array(b).subarray(0, 2)), [0x1F, 0x8B]);
        }));
    /* truncated compressed data is an error at the end */
    async("truncated gzip", new Response(new Response("hello hello").body.pipeThrough(
        new CompressionStream("gzip"))).arrayBuffer().then(function (b) {
            var cut = new Uint8Array(b).subarray(0, 8);
            return new Response(fromChunks([cut]).pipeThrough(new DecompressionStream("gzip")))
                .text().then(function () { T.fail("truncated gzip", "resolved"); },
                             function (e) { T.check("truncated is TypeError", e instanceof TypeError, true); });
        }));

    /* Fetch bodies: .body is a ReadableStream of bytes, null without a body */
    T.check("no body -> null", new Response(null).body, null);
    var r1 = new Response("hey");
    T.check("body is a ReadableStream", r1.body instanceof ReadableStream, true);
    T.check("same stream each read", r1.body === r1.body, true);
    T.check("bodyUsed false before reading", r1.bodyUsed, false);
    async("reading .body marks bodyUsed", r1.body.getReader().read().then(function (x) {
        eq("body bytes", bytes(x.value), [104, 101, 121]);
        T.check("bodyUsed after read", r1.bodyUsed, true);
        return r1.text().then(function () { T.fail("text after read", "resolved"); },
                              function (e) { T.check("text after read rejects", e instanceof TypeError, true); });
    }));
    var r2 = new Response("abc");
    r2.body.getReader();
    rejects("text() of a locked body", r2.text(), TypeError);
    var r3 = new Response("q");
    async("text() after touching .body (fast path)", r3.text().then(function (t) {
        T.check("text", t, "q");
        T.check("bodyUsed", r3.bodyUsed, true);
        T.check("body locked after text()", r3.body.locked, true);
    }));
    /* A Response of a stream: text(), json(), arrayBuffer() read it */
    async("json() of a stream body", new Response(fromChunks([enc.encode('{"a":'), enc.encode("1}")]))
        .json().then(function (j) { eq("json", j, { a: 1 }); }));
    var r4 = new Response(fromChunks([enc.encode("abc")]));
    async("clone() tees a stream body", Promise.all([r4.clone().text(), r4.text()])
        .then(function (t) { eq("clone texts", t, ["abc", "abc"]); }));
    rejects("non-Uint8Array chunk in a body", new Response(fromChunks(["str"])).text(), TypeError);
    var locked = fromChunks([]);
    locked.getReader();
    throws("Response of a locked stream", function () { new Response(locked); }, TypeError);
    /* Request bodies */
    var q = new Request("http://x/", { method: "POST", body: "payload" });
    T.check("request body stream", q.body instanceof ReadableStream, true);
    async("request body via stream", new Response(q.body).text().then(function (t) {
        T.check("request text", t, "payload");
        T.check("request bodyUsed", q.bodyUsed, true);
    }));
    var q2 = new Request("http://x/", { method: "POST", body: fromChunks([enc.encode("s")]),
                                       duplex: "half" });
    async("Request of a stream", q2.text().then(function (t) { T.check("q2", t, "s"); }));
    T.check("GET request body null", new Request("http://x/").body, null);
    T.check("dec defined", typeof dec.decode, "function");
})();
