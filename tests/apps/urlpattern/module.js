// A module-format Workers app routing with URLPattern, ES5 but for its one
// `export default` (tests/e2e/test_urlpattern.py serves it; README's cost of
// a URLPattern router: scripts/bench/density --app tests/apps/urlpattern/module.js
// --path /users/42 200).
var routes = [
    [new URLPattern({ pathname: "/users/:id(\\d+)" }), function (m) {
        return { user: m.pathname.groups.id };
    }],
    [new URLPattern({ pathname: "/files/*" }), function (m) {
        return { file: m.pathname.groups["0"] };
    }],
    [new URLPattern({ pathname: "/docs{/:lang}?/:page" }), function (m) {
        return { lang: m.pathname.groups.lang === undefined ? null : m.pathname.groups.lang,
                 page: m.pathname.groups.page };
    }]
];
// a constructor string with a base URL: protocol and hostname must match too
var search = new URLPattern("/Search", "http://routes.test", { ignoreCase: true });
export default {
    fetch: function (request) {
        var url = new URL(request.url), i, m, p;
        if (url.pathname === "/compile") {
            try {
                p = new URLPattern({ pathname: url.searchParams.get("p") });
                return new Response(JSON.stringify({ pathname: p.pathname,
                                                     regexp: p.hasRegExpGroups }));
            } catch (e) {
                return new Response(e.name + ": " + e.message, { status: 400 });
            }
        }
        m = search.exec(request.url);
        if (m !== null) {
            return Response.json({ q: url.searchParams.get("q"), host: m.hostname.input });
        }
        for (i = 0; i < routes.length; i++) {
            m = routes[i][0].exec({ pathname: url.pathname });
            if (m !== null) {
                return Response.json(routes[i][1](m, url));
            }
        }
        return new Response("no route for " + url.pathname, { status: 404 });
    }
};
