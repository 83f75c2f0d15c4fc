/*
 * The Node 20 side of the compat suite: loads each app's built bundle (the
 * very file nanod serves) and serves it behind node:http the way a Workers
 * runtime would call it: fetch(new Request(url, init), env, ctx). The app is
 * picked by the Host header. Prints the port on stdout, then serves until
 * stdin closes.
 *
 *   node node-harness.js APPS.json      [{name, bundle, host, env}]
 */
"use strict";

var http = require("http");
var fs = require("fs");

var apps = {};

JSON.parse(fs.readFileSync(process.argv[2], "utf8")).forEach(function (a) {
    var m = require(a.bundle);
    apps[a.host] = { name: a.name, mod: m, env: a.env || {} };
});

function reply(res, status, text) {
    res.writeHead(status, { "content-type": "text/plain" });
    res.end(text);
}

http.createServer(function (req, res) {
    var chunks = [];

    req.on("data", function (c) { chunks.push(c); });
    req.on("end", function () {
        var app = apps[(req.headers.host || "").toLowerCase()], headers = new Headers(), i,
            body = Buffer.concat(chunks), waits = [], request;

        if (app === undefined) {
            reply(res, 404, "node-harness: no app for host " + req.headers.host);
            return;
        }
        for (i = 0; i < req.rawHeaders.length; i += 2) {
            headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
        }
        request = new Request("http://" + req.headers.host.toLowerCase() + req.url, {
            method: req.method, headers: headers,
            body: req.method === "GET" || req.method === "HEAD" ? undefined : body
        });
        Promise.resolve().then(function () {
            return app.mod.fetch(request, app.env, {
                waitUntil: function (p) { waits.push(p); },
                passThroughOnException: function () {}
            });
        }).then(function (r) {
            return r.arrayBuffer().then(function (buf) {
                var h = {};
                r.headers.forEach(function (v, k) {
                    h[k] = h[k] === undefined ? v : h[k] + ", " + v;
                });
                if (typeof r.headers.getSetCookie === "function"
                    && r.headers.getSetCookie().length > 0) {
                    h["set-cookie"] = r.headers.getSetCookie();
                }
                res.writeHead(r.status, h);
                res.end(Buffer.from(buf));
            });
        }).catch(function (e) {
            reply(res, 500, "node-harness: " + app.name + " threw: "
                  + (e && e.stack ? e.stack : String(e)));
        });
    });
}).listen(0, "127.0.0.1", function () {
    process.stdout.write(this.address().port + "\n");
});

process.stdin.resume();
process.stdin.on("end", function () { process.exit(0); });
