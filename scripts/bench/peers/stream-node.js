/*
 * Node 20 peer of scripts/bench/streaming: the Workers-style handler of
 * stream-common.js behind node:http, its Response body streamed to the
 * socket with backpressure (write() -> false waits for 'drain').
 *   node stream-node.js PORT UPSTREAM
 */
"use strict";
var http = require("http");
var handler = require("./stream-common.js");
var env = { UPSTREAM: process.argv[3] };

http.createServer(function (req, res) {
    var request = new Request("http://" + req.headers.host + req.url, { method: req.method });
    Promise.resolve(handler.fetch(request, env)).then(function (r) {
        var headers = {};
        r.headers.forEach(function (v, k) { headers[k] = v; });
        res.writeHead(r.status, headers);
        if (r.body === null) {
            res.end();
            return;
        }
        var reader = r.body.getReader();
        res.on("close", function () { reader.cancel().catch(function () {}); });
        (function pump() {
            reader.read().then(function (x) {
                if (x.done) {
                    res.end();
                } else if (res.write(x.value)) {
                    pump();
                } else {
                    res.once("drain", pump);
                }
            }, function () { res.destroy(); });
        })();
    }, function (e) {
        res.writeHead(500);
        res.end(String(e));
    });
}).listen(Number(process.argv[2]), "127.0.0.1");
