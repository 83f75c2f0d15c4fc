// The handler logic every JavaScript peer runs (scripts/bench/run prepends
// this file to nanod.js, njs.js, node.js and workerd.js): ES5 only, so that
// Duktape, njs, V8 (Node) and workerd execute the very same code.
//   /                -> "Hello World"
//   /json?a=1&b=two  -> {"query":{"a":"1","b":"two"},"n":2,"ok":true}
//   /url, /url/json?a=1&b=two: the same answers the idiomatic Workers way
//   (urlFetch below: new URL, searchParams, Response.json); Node answers them
//   with its own idiom (node.js), njs does not run them (no URL class).

// The path of a URL ("http://h/json?a=1" or "/json?a=1" -> "/json").
function pathOf(url) {
    var i = url.indexOf("://");
    if (i >= 0) {
        var j = url.indexOf("/", i + 3);
        url = j < 0 ? "/" : url.substring(j);
    }
    var q = url.indexOf("?");
    return q < 0 ? url : url.substring(0, q);
}

function decodePart(s) {
    return decodeURIComponent(s.split("+").join(" "));
}

// The query of a URL as an object; a repeated key keeps its last value.
function parseQuery(url) {
    var out = {};
    var q = url.indexOf("?");
    if (q < 0) {
        return out;
    }
    var s = url.substring(q + 1);
    var h = s.indexOf("#");
    if (h >= 0) {
        s = s.substring(0, h);
    }
    var parts = s.split("&");
    for (var i = 0; i < parts.length; i++) {
        var p = parts[i];
        if (p === "") {
            continue;
        }
        var eq = p.indexOf("=");
        if (eq < 0) {
            out[decodePart(p)] = "";
        } else {
            out[decodePart(p.substring(0, eq))] = decodePart(p.substring(eq + 1));
        }
    }
    return out;
}

// The json handler's object.
function jsonBody(url) {
    var query = parseQuery(url);
    var n = 0;
    for (var k in query) {
        if (Object.prototype.hasOwnProperty.call(query, k)) {
            n++;
        }
    }
    return { query: query, n: n, ok: true };
}

// The idiomatic Workers handler of /url and /url/json (nanod, workerd).
function urlFetch(request) {
    var url = new URL(request.url);
    if (url.pathname === "/url/json") {
        var query = {};
        var n = 0;
        url.searchParams.forEach(function (v, k) {
            query[k] = v;
            n++;
        });
        return Response.json({ query: query, n: n, ok: true });
    }
    return new Response("Hello World");
}
