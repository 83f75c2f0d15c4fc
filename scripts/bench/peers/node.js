// Node http server (after common.js): node server.js PORT
var http = require("http");

// /url and /url/json: Node's idiom for the idiomatic handlers (WHATWG URL,
// searchParams, JSON.stringify, res.end).
function urlHandle(req, res) {
    var url = new URL(req.url, "http://" + req.headers.host);
    if (url.pathname === "/url/json") {
        var query = {};
        var n = 0;
        url.searchParams.forEach(function (v, k) {
            query[k] = v;
            n++;
        });
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ query: query, n: n, ok: true }));
        return;
    }
    res.writeHead(200, { "Content-Type": "text/plain;charset=UTF-8" });
    res.end("Hello World");
}

http.createServer(function (req, res) {
    var p = pathOf(req.url);
    if (p === "/url" || p === "/url/json") {
        urlHandle(req, res);
        return;
    }
    if (p === "/json") {
        var body = JSON.stringify(jsonBody(req.url));
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(body);
        return;
    }
    res.writeHead(200, { "Content-Type": "text/plain;charset=UTF-8" });
    res.end("Hello World");
}).listen(Number(process.argv[2]), "127.0.0.1");
