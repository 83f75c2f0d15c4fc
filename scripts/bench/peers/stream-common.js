/*
 * The streaming benchmark's handler (scripts/bench/streaming), the same ES5
 * code on every system: nanod runs it as an app, Node behind node:http
 * (stream-node.js). env.UPSTREAM is the local upstream's base URL.
 *   GET /sse?n=N&ms=M   N server-sent events M ms apart, each "data: <Date.now()>"
 *   GET /proxy?n=BYTES  return fetch(UPSTREAM + "/gen?n=BYTES")
 */
var enc = new TextEncoder();

function sse(n, ms) {
    var i = 0, timer = null;
    return new ReadableStream({
        start: function (c) {
            timer = setInterval(function () {
                i++;
                c.enqueue(enc.encode("id: " + i + "\ndata: " + Date.now() + "\n\n"));
                if (i >= n) {
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

var handler = {
    fetch: function (request, env) {
        var u = new URL(request.url), q = u.searchParams;
        if (u.pathname === "/sse") {
            return new Response(sse(Number(q.get("n") || "20"), Number(q.get("ms") || "50")), {
                headers: { "content-type": "text/event-stream", "cache-control": "no-cache" }
            });
        }
        if (u.pathname === "/proxy") {
            return fetch(env.UPSTREAM + "/gen?n=" + (q.get("n") || "1048576"));
        }
        return new Response("not found", { status: 404 });
    }
};

if (typeof module !== "undefined") {
    module.exports = handler;
}
