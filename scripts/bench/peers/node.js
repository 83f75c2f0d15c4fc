// Node http server (after common.js): node server.js PORT
var http = require("http");

http.createServer(function (req, res) {
    if (pathOf(req.url) === "/json") {
        var body = JSON.stringify(jsonBody(req.url));
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(body);
        return;
    }
    res.writeHead(200, { "Content-Type": "text/plain;charset=UTF-8" });
    res.end("Hello World");
}).listen(Number(process.argv[2]), "127.0.0.1");
