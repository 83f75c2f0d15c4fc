/* Streaming bodies (tests/e2e/test_streams.py). Routes by path. */
var enc = new TextEncoder();
var state = { pulled: 0, cancelled: 0, reason: "" };

function sse(n, ms) {
    var i = 0, timer = null;
    return new ReadableStream({
        start: function (c) {
            timer = setInterval(function () {
                i++;
                c.enqueue(enc.encode("id: " + i + "\ndata: " + Date.now() + "\n\n"));
                if (i === n) {
                    clearInterval(timer);
                    c.close();
                }
            }, ms);
        },
        cancel: function () {
            clearInterval(timer);
        }
    });
}

/* Endless 64 KiB chunks on demand: pull runs only when the consumer wants more. */
function endless() {
    var chunk = new Uint8Array(65536);
    return new ReadableStream({
        pull: function (c) {
            state.pulled++;
            c.enqueue(chunk);
        },
        cancel: function (why) {
            state.cancelled++;
            state.reason = String(why);
        }
    }, { highWaterMark: 0 });
}

module.exports = {
    fetch: function (request, env) {
        var path = new URL(request.url).pathname, n;
        if (path === "/sse") {
            return new Response(sse(5, 100), {
                headers: { "content-type": "text/event-stream", "cache-control": "no-cache" }
            });
        }
        if (path === "/endless") {
            return new Response(endless());
        }
        if (path === "/state") {
            return Response.json(state);
        }
        if (path === "/fixed") {
            var fl = new FixedLengthStream(11), w = fl.writable.getWriter();
            w.write(enc.encode("hello "));
            w.write(enc.encode("world"));
            w.close();
            return new Response(fl.readable);
        }
        if (path === "/broken") {
            var k = 0;
            return new Response(new ReadableStream({
                pull: function (c) {
                    k++;
                    if (k > 2) {
                        throw new Error("the source broke");
                    }
                    c.enqueue(enc.encode("part" + k + "\n"));
                }
            }));
        }
        if (path === "/string-chunk") {
            return new Response(new ReadableStream({
                start: function (c) { c.enqueue("not bytes"); c.close(); }
            }));
        }
        if (path === "/echo") {
            /* the request body, as a stream, straight back */
            return new Response(request.body, { headers: { "x-used": String(request.bodyUsed) } });
        }
        if (path === "/upper") {
            var up = new TransformStream({
                transform: function (chunk, c) {
                    c.enqueue(chunk.toUpperCase());
                }
            });
            return new Response(request.body.pipeThrough(new TextDecoderStream())
                                .pipeThrough(up).pipeThrough(new TextEncoderStream()));
        }
        if (path === "/text-after-body") {
            var b = request.body;
            return request.text().then(function (t) {
                return new Response(t + "|" + b.locked + "|" + request.bodyUsed);
            });
        }
        if (path === "/used-twice") {
            var r = new Response("x");
            return r.text().then(function () {
                return r;
            });
        }
        if (path === "/iter") {
            /* async iteration without Babel: the protocol by hand */
            var it = sse(3, 1)[Symbol.for("Symbol.asyncIterator")](), parts = [];
            return (function next() {
                return it.next().then(function (x) {
                    if (x.done) {
                        return new Response(String(parts.length));
                    }
                    parts.push(x.value);
                    return next();
                });
            })();
        }
        if (path === "/gzip") {
            n = Number(new URL(request.url).searchParams.get("n") || "1000");
            var body = new Array(n + 1).join("abcdefghij");
            return new Response(new Response(body).body.pipeThrough(new CompressionStream("gzip")),
                                { headers: { "content-encoding": "gzip" } });
        }
        if (path === "/gunzip") {
            return new Response(request.body.pipeThrough(new DecompressionStream("gzip")));
        }
        if (path === "/proxy") {
            /* the upstream's response as it is: its body is spliced in C */
            return fetch(env.UPSTREAM + new URL(request.url).search.slice(1));
        }
        if (path === "/proxy-rewrap") {
            return fetch(env.UPSTREAM + new URL(request.url).search.slice(1)).then(function (r) {
                return new Response(r.body, r);
            });
        }
        if (path === "/proxy-js") {
            /* every chunk through JS: a TransformStream counting bytes */
            return fetch(env.UPSTREAM + new URL(request.url).search.slice(1)).then(function (r) {
                var seen = 0;
                return new Response(r.body.pipeThrough(new TransformStream({
                    transform: function (c, ctl) { seen += c.byteLength; ctl.enqueue(c); },
                    flush: function (ctl) { ctl.enqueue(enc.encode("|" + seen)); }
                })), { headers: { "x-proxied": "js" } });
            });
        }
        if (path === "/fetch-text") {
            return fetch(env.UPSTREAM + new URL(request.url).search.slice(1)).then(function (r) {
                return r.text();
            }).then(function (t) {
                return new Response("len=" + t.length);
            }, function (e) {
                return new Response(e.name + ": " + e.message, { status: 502 });
            });
        }
        if (path === "/fetch-reader") {
            /* reads the upstream body chunk by chunk with a reader */
            return fetch(env.UPSTREAM + new URL(request.url).search.slice(1)).then(function (r) {
                var rd = r.body.getReader(), total = 0, reads = 0;
                function step() {
                    return rd.read().then(function (x) {
                        if (x.done) {
                            return new Response("total=" + total + " reads>1=" + (reads > 1));
                        }
                        total += x.value.byteLength;
                        reads++;
                        return step();
                    });
                }
                return step();
            });
        }
        if (path === "/upload") {
            return fetch(env.UPSTREAM + "/upload", { method: "POST", body: request.body,
                                                   duplex: "half" });
        }
        if (path === "/hello") {
            return new Response("hello");
        }
        return new Response("not found", { status: 404 });
    }
};
