// Regex-heavy handlers for scripts/bench/regex (ES5, the same code on every
// system; only regexp syntax Duktape's old engine also knew, so that the
// engine before and after can be compared).
//   /route/...  a router of 50 routes (":param" patterns compiled to RegExps,
//               tried in order, as express/itty-router do); the bench asks for
//               a path that only the 48th route matches.
//   /md         a small Markdown renderer (block split, headings, lists, code,
//               emphasis, links, escaping: ~20 regexps) over a 4 KB document.
var ROUTES = (function () {
    var names = ["users", "posts", "comments", "items", "orders", "carts", "tags", "teams",
                 "files", "events"];
    var shapes = ["/api/v1/%s", "/api/v1/%s/:id", "/api/v1/%s/:id/edit",
                  "/api/v1/%s/:id/history/:rev", "/api/v2/%s/:id/related/:kind"];
    var out = [], i, j;
    for (j = 0; j < shapes.length; j++) {
        for (i = 0; i < names.length; i++) {
            out.push(shapes[j].replace("%s", names[i]));
        }
    }
    return out.map(function (path, n) {
        var keys = [];
        var src = "^" + path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\/:(\w+)/g,
            function (m, k) { keys.push(k); return "/([^/]+?)"; }) + "\\/?$";
        return { n: n, re: new RegExp(src, "i"), keys: keys };
    });
}());

function routePath(path) {
    var i, m, r, params, k;
    path = path.replace(/^\/route/, "");
    for (i = 0; i < ROUTES.length; i++) {
        r = ROUTES[i];
        m = r.re.exec(path);
        if (m) {
            params = {};
            for (k = 0; k < r.keys.length; k++) {
                params[r.keys[k]] = decodeURIComponent(m[k + 1]);
            }
            return JSON.stringify({ route: r.n, params: params });
        }
    }
    return "no route";
}

var MD_DOC = (function () {
    var para = "Regular expressions are *everywhere* in **web handlers**: routers, " +
        "`template` engines, [validators](https://example.com/a?b=1&c=2) and Markdown. " +
        "A line with <html> & \"quotes\" gets escaped; _underscores_ and __strong__ too.";
    var doc = [], i;
    for (i = 0; i < 6; i++) {
        doc.push("## Section " + i + "\n\n" + para + "\n\n- item one with `code`\n" +
                 "- item **two**\n- item [three](http://x.test/" + i + ")\n\n" +
                 "    var x = " + i + ";\n    return x * 2;\n\n> quoted *text* here\n");
    }
    return doc.join("\n");
}());

function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
            .replace(/"/g, "&quot;");
}

function inline(s) {
    return escapeHtml(s)
        .replace(/`([^`]+)`/g, "<code>$1</code>")
        .replace(/\*\*([^*]+)\*\*|__([^_]+)__/g, function (m, a, b) {
            return "<strong>" + (a || b) + "</strong>";
        })
        .replace(/\*([^*]+)\*|\b_([^_]+)_\b/g, function (m, a, b) {
            return "<em>" + (a || b) + "</em>";
        })
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, "<a href=\"$2\">$1</a>");
}

function renderMarkdown(src) {
    var blocks = src.replace(/\r\n?/g, "\n").split(/\n{2,}/), out = [], i, b, m, items;
    for (i = 0; i < blocks.length; i++) {
        b = blocks[i].replace(/^\n+|\n+$/g, "");
        if (b === "") {
            continue;
        }
        if ((m = /^(#{1,6})\s+(.*)$/.exec(b))) {
            out.push("<h" + m[1].length + ">" + inline(m[2]) + "</h" + m[1].length + ">");
        } else if (/^\s*[-*+]\s+/.test(b)) {
            items = b.split(/\n(?=\s*[-*+]\s+)/).map(function (it) {
                return "<li>" + inline(it.replace(/^\s*[-*+]\s+/, "")) + "</li>";
            });
            out.push("<ul>" + items.join("") + "</ul>");
        } else if (/^(?: {4}|\t)/.test(b)) {
            out.push("<pre><code>" + escapeHtml(b.replace(/^(?: {4}|\t)/gm, "")) +
                     "</code></pre>");
        } else if (/^>\s?/.test(b)) {
            out.push("<blockquote>" + inline(b.replace(/^>\s?/gm, "")) + "</blockquote>");
        } else {
            out.push("<p>" + inline(b.replace(/\s*\n\s*/g, " ")) + "</p>");
        }
    }
    return out.join("\n");
}

function handleRegexBench(path) {
    if (path.indexOf("/route/") === 0) {
        return routePath(path);
    }
    if (path === "/md") {
        return renderMarkdown(MD_DOC);
    }
    return "not found";
}
