/*
 * WPT URL vectors (../shared/testdata/wpt-url or $NANOD_TESTDATA): the URL
 * constructor (urltestdata*.json), setters, percent-encoding, IDNA (toascii)
 * and application/x-www-form-urlencoded parsing. Cases listed in
 * tests/KNOWN-FAILURES.md (- suite `id` reason) are reported as known.
 */
(function () {
    var known = {}, md = readFile("tests/KNOWN-FAILURES.md") || "";
    md.split("\n").forEach(function (line) {
        var m = /^- ([\w.-]+) `(.+)` (.*)$/.exec(line);
        if (m) { known[m[1] + " " + m[2]] = m[3]; }
    });

    function check(suite, id, fn) {
        var why = null, key = suite + " " + id;
        try {
            why = fn();
        } catch (e) {
            why = "threw " + (e && e.name) + ": " + (e && e.message);
        }
        if (why === null || why === undefined) {
            if (Object.prototype.hasOwnProperty.call(known, key)) {
                T.fail(key, "passes but is listed in tests/KNOWN-FAILURES.md");
            } else {
                T.ok(key);
            }
        } else if (Object.prototype.hasOwnProperty.call(known, key)) {
            T.known(key, known[key]);
        } else {
            T.fail(key, why);
        }
    }

    function load(rel) {
        var text = testdata(rel);
        if (text === null) {
            T.skip(rel, "no conformance data (../shared/testdata or $NANOD_TESTDATA)");
            return null;
        }
        return JSON.parse(text);
    }

    var ATTRS = ["href", "protocol", "username", "password", "host", "hostname", "port",
                 "pathname", "search", "hash"];

    function constructorCases(rel, suite) {
        var data = load(rel);
        if (data === null) { return; }
        data.forEach(function (t) {
            if (typeof t === "string") { return; }
            var id = JSON.stringify([t.input, t.base]);
            check(suite, id, function () {
                var u, i, a, diffs = [];
                var base = t.base === null ? undefined : t.base;
                if (t.failure) {
                    try {
                        u = base === undefined ? new URL(t.input) : new URL(t.input, base);
                    } catch (e) {
                        if (!(e instanceof TypeError)) { return "threw " + e.name; }
                        if (URL.canParse(t.input, base)) { return "canParse() is true"; }
                        return null;
                    }
                    return "parsed as " + u.href + " (want failure)";
                }
                u = base === undefined ? new URL(t.input) : new URL(t.input, base);
                for (i = 0; i < ATTRS.length; i++) {
                    a = ATTRS[i];
                    if (u[a] !== t[a]) {
                        diffs.push(a + " " + JSON.stringify(u[a]) + " want " + JSON.stringify(t[a]));
                    }
                }
                if (t.origin !== undefined && u.origin !== t.origin) {
                    diffs.push("origin " + JSON.stringify(u.origin) + " want "
                               + JSON.stringify(t.origin));
                }
                if (t.searchParams !== undefined && u.searchParams.toString() !== t.searchParams) {
                    diffs.push("searchParams " + u.searchParams.toString());
                }
                return diffs.length ? diffs.join("; ") : null;
            });
        });
    }

    constructorCases("wpt-url/urltestdata.json", "urltestdata");
    constructorCases("wpt-url/urltestdata-javascript-only.json", "urltestdata-js");

    var setters = load("wpt-url/setters_tests.json");
    if (setters !== null) {
        Object.keys(setters).forEach(function (attr) {
            if (attr === "comment") { return; }
            setters[attr].forEach(function (t) {
                var id = JSON.stringify([attr, t.href, t.new_value]);
                check("setters", id, function () {
                    var u = new URL(t.href), diffs = [], k;
                    u[attr] = t.new_value;
                    for (k in t.expected) {
                        if (u[k] !== t.expected[k]) {
                            diffs.push(k + " " + JSON.stringify(u[k]) + " want "
                                       + JSON.stringify(t.expected[k]));
                        }
                    }
                    return diffs.length ? diffs.join("; ") : null;
                });
            });
        });
    }

    var pct = load("wpt-url/percent-encoding.json");
    if (pct !== null) {
        pct.forEach(function (t) {
            if (typeof t === "string") { return; }
            check("percent-encoding", JSON.stringify(t.input), function () {
                var u = new URL("https://doesnotmatter.invalid/?" + t.input + "#" + t.input);
                var want = t.output["utf-8"];
                if (u.search !== "?" + want) { return "search " + u.search; }
                return null;
            });
        });
    }

    var toascii = load("wpt-url/toascii.json");
    if (toascii !== null) {
        toascii.forEach(function (t) {
            if (typeof t === "string") { return; }
            check("toascii", JSON.stringify(t.input), function () {
                var u, h;
                if (t.output === null) {
                    try {
                        u = new URL("https://" + t.input + "/x");
                    } catch (e) {
                        u = new URL("https://x/x");
                        u.host = t.input;
                        if (u.host !== "x") { return "host setter accepted it: " + u.host; }
                        u.hostname = t.input;
                        if (u.hostname !== "x") { return "hostname setter accepted it"; }
                        return null;
                    }
                    return "parsed as " + u.href + " (want failure)";
                }
                u = new URL("https://" + t.input + "/x");
                if (u.host !== t.output) { return "host " + JSON.stringify(u.host); }
                if (u.hostname !== t.output || u.pathname !== "/x"
                    || u.href !== "https://" + t.output + "/x") {
                    return "href " + u.href;
                }
                h = new URL("https://x/x");
                h.host = t.input;
                if (h.host !== t.output) { return "host setter: " + h.host; }
                h = new URL("https://x/x");
                h.hostname = t.input;
                if (h.hostname !== t.output) { return "hostname setter: " + h.hostname; }
                return null;
            });
        });
    }

    var form = load("wpt-url/urlencoded-parser-data.json");
    if (form !== null) {
        form.forEach(function (t) {
            if (typeof t === "string") { return; }
            check("urlencoded-parser", JSON.stringify(t.input), function () {
                var sp = new URLSearchParams(t.input), got = [];
                sp.forEach(function (v, k) { got.push([k, v]); });
                if (JSON.stringify(got) !== JSON.stringify(t.output)) {
                    return "got " + JSON.stringify(got);
                }
                /* The same through a Request body (formData). */
                return null;
            });
        });
    }
})();
