/*
 * URLPattern (lazy/generated/urlpattern.js, urlpattern-polyfill lowered to
 * ES5) in a real app heap, on the heap's own URL and RegExp (PCRE2, u flag).
 * Expected values: the WHATWG URL Pattern standard's, each checked with the
 * same polyfill in Node 20 (scripts/urlpattern-check runs this file there).
 */
(function () {
    var eq = T.eq;
    function throwsType(name, fn) {
        try {
            fn();
            T.fail(name, "no exception");
        } catch (e) {
            T.check(name, e instanceof TypeError ? "TypeError" : e.name, "TypeError");
        }
    }
    function parts(p) {
        return [p.protocol, p.username, p.password, p.hostname, p.port, p.pathname, p.search,
                p.hash];
    }
    /* exec()'s component results, undefined groups kept visible. */
    function groups(r, c) {
        var out = {}, k;
        if (r === null) { return null; }
        for (k in r[c].groups) {
            out[k] = r[c].groups[k] === undefined ? "(undefined)" : r[c].groups[k];
        }
        return [r[c].input, out];
    }

    eq("a global function", [typeof URLPattern, URLPattern.name,
                             Object.prototype.propertyIsEnumerable.call(globalThis,
                                                                        "URLPattern")],
       ["function", "URLPattern", false]);

    /* Constructor forms. */
    var p = new URLPattern({ pathname: "/users/:id" });
    eq("an instance, tagged", [p instanceof URLPattern, Object.prototype.toString.call(p),
                               typeof p.exec, Object.keys(p)],
       [true, "[object URLPattern]", "function", []]);
    eq("init dict: unset components are *", parts(p),
       ["*", "*", "*", "*", "*", "/users/:id", "*", "*"]);
    p = new URLPattern("/books/:id", "https://example.com");
    eq("string + base URL: earlier components from the base, later ones empty", parts(p),
       ["https", "*", "*", "example.com", "", "/books/:id", "*", "*"]);
    p = new URLPattern("https://:sub.example.com/a/b?q=:q#frag");
    eq("full constructor string", parts(p),
       ["https", "*", "*", ":sub.example.com", "", "/a/b", "q=:q", "frag"]);
    eq("? after * is a modifier, not the search", parts(new URLPattern("https://x.test/a/*?q")),
       ["https", "*", "*", "x.test", "", "/a/*?q", "*", "*"]);
    p = new URLPattern({ pathname: "/a", baseURL: "https://example.com:8080/x?y#z" });
    eq("init dict with baseURL", parts(p),
       ["https", "*", "*", "example.com", "8080", "/a", "*", "*"]);
    eq("no argument matches everything", [new URLPattern().test("https://x.test/anything"),
                                          parts(new URLPattern())],
       [true, ["*", "*", "*", "*", "*", "*", "*", "*"]]);
    eq("components canonicalized by URL", parts(new URLPattern({
        protocol: "https", hostname: "EXAMPLE.com", port: "443", pathname: "/caf\u00e9 x"
    })), ["https", "*", "*", "example.com", "", "/caf%C3%A9%20x", "*", "*"]);
    eq("protocol lowercased; a default port kept when the pattern's protocol is not exactly "
       + "special", parts(new URLPattern({ protocol: "HTTPS", port: "443" })),
       ["https", "*", "*", "*", "443", "*", "*", "*"]);

    /* test() and exec() on strings, init dicts, and a string with a base. */
    p = new URLPattern({ pathname: "/users/:id" });
    eq("exec on a URL string", groups(p.exec("https://example.com/users/42?x=1"), "pathname"),
       ["/users/42", { id: "42" }]);
    eq("exec result inputs and other components",
       (function (r) {
           return [r.inputs, r.protocol.input, r.hostname.input, r.search.input,
                   r.hash.groups];
       })(p.exec("https://example.com/users/42?x=1")),
       [["https://example.com/users/42?x=1"], "https", "example.com", "x=1", { 0: "" }]);
    eq("test on strings", [p.test("https://example.com/users/42"),
                           p.test("https://example.com/users/42/"),
                           p.test("https://example.com/users/"),
                           p.test("https://example.com/Users/42")],
       [true, false, false, false]);
    eq("exec on an init dict", groups(p.exec({ pathname: "/users/7" }), "pathname"),
       ["/users/7", { id: "7" }]);
    eq("exec on an init dict: result inputs", p.exec({ pathname: "/users/7" }).inputs,
       [{ pathname: "/users/7" }]);
    eq("exec on a relative string and a base URL",
       [groups(p.exec("/users/9", "https://example.com"), "pathname"),
        p.exec("/users/9", "https://example.com").inputs],
       [["/users/9", { id: "9" }], ["/users/9", "https://example.com"]]);
    eq("a relative string without base does not match (no throw)",
       [p.test("/users/1"), p.exec("/users/1")], [false, null]);
    eq("a URL that does not parse does not match", p.exec("http://[::1"), null);
    eq("percent-encoded input matched as encoded",
       groups(p.exec("https://example.com/users/a%20b"), "pathname"),
       ["/users/a%20b", { id: "a%20b" }]);
    eq("input string is canonicalized by URL",
       groups(new URLPattern({ pathname: "/a/:b" }).exec("https://x.test/a/./c/../\u00e9"),
              "pathname"),
       ["/a/%C3%A9", { b: "%C3%A9" }]);

    /* Groups. */
    p = new URLPattern({ pathname: "/books/:id(\\d+)" });
    eq("regexp group: match", groups(p.exec({ pathname: "/books/123" }), "pathname"),
       ["/books/123", { id: "123" }]);
    eq("regexp group: no match", p.test({ pathname: "/books/abc" }), false);
    eq("unnamed regexp group is numbered",
       groups(new URLPattern({ pathname: "/(\\d+)/:slug" }).exec({ pathname: "/12/x" }),
              "pathname"), ["/12/x", { 0: "12", slug: "x" }]);
    p = new URLPattern({ pathname: "/files/*" });
    eq("wildcard spans segments", groups(p.exec({ pathname: "/files/a/b/c.txt" }), "pathname"),
       ["/files/a/b/c.txt", { 0: "a/b/c.txt" }]);
    eq("wildcard may be empty, not absent",
       [groups(p.exec({ pathname: "/files/" }), "pathname"), p.test({ pathname: "/files" })],
       [["/files/", { 0: "" }], false]);
    eq("two wildcards numbered in order",
       groups(new URLPattern({ pathname: "/*/x/*" }).exec({ pathname: "/a/x/b/c" }),
              "pathname"), ["/a/x/b/c", { 0: "a", 1: "b/c" }]);
    p = new URLPattern({ pathname: "/posts/:id?" });
    eq("optional group", [groups(p.exec({ pathname: "/posts/5" }), "pathname"),
                          groups(p.exec({ pathname: "/posts" }), "pathname"),
                          p.test({ pathname: "/posts/" })],
       [["/posts/5", { id: "5" }], ["/posts", { id: "(undefined)" }], false]);
    p = new URLPattern({ pathname: "/tags/:tag+" });
    eq("one-or-more group", [groups(p.exec({ pathname: "/tags/a/b" }), "pathname"),
                             p.test({ pathname: "/tags" })],
       [["/tags/a/b", { tag: "a/b" }], false]);
    p = new URLPattern({ pathname: "/tags/:tag*" });
    eq("zero-or-more group", [groups(p.exec({ pathname: "/tags/a/b" }), "pathname"),
                              groups(p.exec({ pathname: "/tags" }), "pathname")],
       [["/tags/a/b", { tag: "a/b" }], ["/tags", { tag: "(undefined)" }]]);
    p = new URLPattern({ pathname: "/product{/:lang}?/:id" });
    eq("optional {} segment", [groups(p.exec({ pathname: "/product/en/9" }), "pathname"),
                               groups(p.exec({ pathname: "/product/9" }), "pathname")],
       [["/product/en/9", { lang: "en", id: "9" }], ["/product/9", { lang: "(undefined)",
                                                                      id: "9" }]]);
    eq("{} group with a suffix",
       new URLPattern({ pathname: "/blog/:slug{.html}?" }).exec({ pathname: "/blog/x.html" })
           .pathname.groups, { slug: "x" });
    eq("non-ASCII group name (\\p{ID_Start} with the u flag)",
       groups(new URLPattern({ pathname: "/:caf\u00e9/:\u540d" }).exec({ pathname: "/x/y" }),
              "pathname"), ["/x/y", { "caf\u00e9": "x", "\u540d": "y" }]);
    eq("escaped special characters",
       [new URLPattern({ pathname: "/a\\:b\\*" }).test({ pathname: "/a:b*" }),
        new URLPattern({ pathname: "/a\\:b\\*" }).test({ pathname: "/a:bc" })], [true, false]);

    /* Hostname, protocol, port, search. */
    p = new URLPattern({ hostname: "*.example.com" });
    eq("hostname wildcard", [groups(p.exec({ hostname: "api.example.com" }), "hostname"),
                             groups(p.exec("https://a.b.example.com/"), "hostname"),
                             p.test({ hostname: "example.com" })],
       [["api.example.com", { 0: "api" }], ["a.b.example.com", { 0: "a.b" }], false]);
    p = new URLPattern({ hostname: "{:sub.}?example.com" });
    eq("optional subdomain", [groups(p.exec({ hostname: "www.example.com" }), "hostname"),
                              groups(p.exec({ hostname: "example.com" }), "hostname")],
       [["www.example.com", { sub: "www" }], ["example.com", { sub: "(undefined)" }]]);
    p = new URLPattern({ protocol: "http{s}?", hostname: "example.com", port: "(80|8080)?" });
    eq("protocol and port patterns", [p.test("http://example.com/"),
                                      p.test("https://example.com:8080/"),
                                      p.test("ftp://example.com/"),
                                      p.test("https://example.com:81/")],
       [true, true, false, false]);
    p = new URLPattern({ search: "page=:n(\\d+)&*" });
    eq("search pattern", groups(p.exec("https://x.test/?page=3&sort=asc"), "search"),
       ["page=3&sort=asc", { n: "3", 0: "sort=asc" }]);

    /* ignoreCase (the third constructor argument, or the second after a dict). */
    eq("case-sensitive by default", new URLPattern({ pathname: "/FOO/:x" })
        .test({ pathname: "/foo/1" }), false);
    p = new URLPattern({ pathname: "/FOO/:x" }, { ignoreCase: true });
    eq("ignoreCase after an init dict", groups(p.exec({ pathname: "/foo/Bar" }), "pathname"),
       ["/foo/Bar", { x: "Bar" }]);
    p = new URLPattern("/API/:v([a-z]+)", "https://example.com", { ignoreCase: true });
    eq("ignoreCase after string + base, with a regexp group",
       [groups(p.exec("https://example.com/api/V"), "pathname"),
        p.test("https://EXAMPLE.com/Api/v1")],
       [["/api/V", { v: "V" }], false]);

    /* hasRegExpGroups (part of the standard since 2024). */
    eq("hasRegExpGroups", [new URLPattern({ pathname: "/:id" }).hasRegExpGroups,
                           new URLPattern({ pathname: "/*" }).hasRegExpGroups,
                           new URLPattern({ pathname: "/:id(\\d+)" }).hasRegExpGroups,
                           new URLPattern({ hostname: "(a|b).test" }).hasRegExpGroups],
       [false, false, true, true]);

    /* Errors: TypeError for a bad pattern or bad arguments. */
    throwsType("relative string without base", function () { return new URLPattern("/a"); });
    throwsType("unbalanced regexp group", function () {
        return new URLPattern({ pathname: "/(\\d+" });
    });
    throwsType("capturing group inside a regexp group", function () {
        return new URLPattern({ pathname: "/((a))" });
    });
    throwsType("invalid regexp", function () { return new URLPattern({ pathname: "/([)" }); });
    throwsType("name missing after :", function () {
        return new URLPattern({ pathname: "/:/x" });
    });
    throwsType("duplicate group name", function () {
        return new URLPattern({ pathname: "/:a/:a" });
    });
    throwsType("invalid port", function () { return new URLPattern({ port: "port" }); });
    throwsType("base URL that does not parse", function () {
        return new URLPattern("/a", "not a url");
    });
    throwsType("exec with an init dict and a base URL", function () {
        return new URLPattern({ pathname: "/a" }).exec({ pathname: "/a" }, "https://x.test");
    });
    eq("a failed construction leaves the heap usable",
       new URLPattern({ pathname: "/ok/:x" }).exec({ pathname: "/ok/1" }).pathname.groups,
       { x: "1" });
})();
