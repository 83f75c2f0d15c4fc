// Web API classes end to end: one feature per path (tests/e2e/test_webapi.py).
function json(x, status) {
    return new Response(JSON.stringify(x), { status: status || 200,
                                             headers: { "content-type": "application/json" } });
}
function errorOf(fn) {
    try {
        fn();
    } catch (e) {
        return { name: e.name, isTypeError: e instanceof TypeError,
                 isRangeError: e instanceof RangeError,
                 isDOMException: e instanceof DOMException, message: e.message };
    }
    return null;
}
function hex(ab) {
    return Array.prototype.map.call(new Uint8Array(ab), function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
}

var routes = {
    "/echo-bytes": function (req) {
        return req.arrayBuffer().then(function (ab) {
            return new Response(new Uint8Array(ab), {
                headers: { "content-type": "application/octet-stream",
                           "x-length": String(ab.byteLength) } });
        });
    },
    "/echo-text": function (req) {
        return req.text().then(function (t) { return new Response(t); });
    },
    "/headers": function (req) {
        var out = [];
        req.headers.forEach(function (v, k) { out.push([k, v]); });
        return json({ list: out, xMulti: req.headers.get("x-multi"),
                      immutable: errorOf(function () { req.headers.set("x", "y"); }) });
    },
    "/bad-header": function () {
        return json({ ctor: errorOf(function () { new Headers({ "bad name": "x" }); }),
                      append: errorOf(function () { new Headers().append("x", "a\r\nb"); }),
                      response: errorOf(function () {
                          new Response("x", { headers: [["bad(name)", "v"]] });
                      }) });
    },
    "/bad-header-uncaught": function () {
        return new Response("x", { headers: { "bad name": "v" } });
    },
    "/body-twice": function (req) {
        return req.text().then(function () {
            return req.text();
        }).then(function () {
            return json({ error: null });
        }, function (e) {
            return json({ error: { name: e.name, isTypeError: e instanceof TypeError },
                          bodyUsed: req.bodyUsed });
        });
    },
    "/redirect": function (req) {
        return Response.redirect(new URL("/target?x=1", req.url).href, 307);
    },
    "/redirect-bad": function () {
        return json({ error: errorOf(function () { Response.redirect("http://a/", 200); }) });
    },
    "/redirect-bad-uncaught": function () {
        return Response.redirect("http://a/", 299);
    },
    "/set-cookie": function () {
        var h = new Headers();
        h.append("Set-Cookie", "a=1; Path=/");
        h.append("Set-Cookie", "b=2");
        h.append("X-Dup", "1");
        h.append("X-Dup", "2");
        return new Response("ok", { status: 201, statusText: "Made It", headers: h });
    },
    "/formdata": function (req) {
        return req.formData().then(function (fd) {
            var out = {};
            fd.forEach(function (v, k) {
                if (typeof v === "string") {
                    out[k] = v;
                } else {
                    out[k] = { name: v.name, type: v.type, size: v.size };
                }
            });
            var file = fd.get("file");
            if (file && typeof file !== "string") {
                return crypto.subtle.digest("SHA-256", file._bytes || new Uint8Array(0))
                    .then(function () {
                        return file.arrayBuffer();
                    }).then(function (ab) {
                        return crypto.subtle.digest("SHA-256", ab);
                    }).then(function (d) {
                        out.fileSha256 = hex(d);
                        return json(out);
                    });
            }
            return json(out);
        });
    },
    "/formdata-response": function () {
        var fd = new FormData();
        fd.append("a", "1");
        fd.append("f", new Blob(["\u0000\u00ff"]), "x.bin");
        return new Response(fd);
    },
    "/url": function (req) {
        var u = new URL(req.url), q = [];
        u.searchParams.forEach(function (v, k) { q.push([k, v]); });
        return json({ pathname: u.pathname, host: u.host, query: q,
                      idn: new URL("http://B\u00fccher.example/").host,
                      invalid: errorOf(function () { new URL("http://[::1/"); }) });
    },
    "/crypto": function (req) {
        var out = { uuid: crypto.randomUUID(),
                    random: crypto.getRandomValues(new Uint8Array(8)).length };
        return req.arrayBuffer().then(function (body) {
            return crypto.subtle.digest("SHA-256", body);
        }).then(function (d) {
            out.sha256 = hex(d);
            return crypto.subtle.importKey("raw", new TextEncoder().encode("secret"),
                                           { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
        }).then(function (key) {
            return crypto.subtle.sign("HMAC", key, new TextEncoder().encode("message"));
        }).then(function (sig) {
            out.hmac = hex(sig);
            return json(out);
        });
    },
    "/encoding": function () {
        var enc = new TextEncoder().encode("\u00e9\u20ac\ud83d\ude00");
        return json({ bytes: Array.prototype.slice.call(enc),
                      text: new TextDecoder().decode(enc),
                      fatal: errorOf(function () {
                          new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xC3]));
                      }),
                      btoa: btoa("\u00ff\u0000a"),
                      atob: errorOf(function () { atob("***"); }) });
    },
    "/abort": function () {
        var c = new AbortController(), events = 0;
        c.signal.addEventListener("abort", function () { events++; });
        c.abort();
        return json({ aborted: c.signal.aborted, reason: c.signal.reason.name, events: events,
                      signal: typeof new Request("http://x/").signal.aborted });
    },
    "/clone": function () {
        var c = structuredClone({ d: new Date(0), a: [1, 2], m: "x" });
        return json({ date: c.d instanceof Date, a: c.a,
                      error: errorOf(function () { structuredClone({ f: function () {} }); }) });
    },
    "/console": function () {
        console.log("console-marker", { a: 1 });
        console.error("console-error-marker");
        return new Response("logged");
    },
    "/promise": function () {
        var order = [];
        queueMicrotask(function () { order.push("micro"); });
        return Promise.all([Promise.resolve(1), new Promise(function (r) { r(2); })])
            .then(function (v) {
                order.push("all");
                return Promise.allSettled([Promise.reject(new Error("x")), 3]);
            }).then(function (s) {
                return json({ order: order, settled: s.map(function (x) { return x.status; }) });
            });
    },
    "/request-clone": function (req) {
        var c = req.clone();
        return Promise.all([req.text(), c.text()]).then(function (t) {
            var copy = new Request(req.url, { method: "PUT", body: "b", headers: req.headers });
            return json({ texts: t, method: copy.method, ua: copy.headers.get("x-test") });
        });
    },
    "/response-error": function () {
        return Response.error();
    },
    "/json-response": function () {
        return Response.json({ ok: true, s: "\u00e9" }, { status: 202, headers: { "x-a": "b" } });
    }
};

module.exports = {
    fetch: function (request, env, ctx) {
        var path = new URL(request.url).pathname, route = routes[path];
        if (!route) {
            return new Response("no route " + path, { status: 404 });
        }
        return route(request, env, ctx);
    }
};
