/*
 * WPT URL Pattern conformance, for measurement (scripts/urlpattern-check runs
 * it in a nanod heap through test_js_conformance and in Node with the same
 * urlpattern-polyfill; not a test_*.js: the data is not in the repo). Reads
 * testdata("wpt-urlpattern/urlpatterntestdata.json") (web-platform-tests'
 * urlpattern/resources/, fetched locally, never committed) and checks each
 * entry as WPT's urlpattern harness does: the constructor (or its TypeError),
 * the compiled component strings, test() and exec() (inputs and each
 * component's input and groups). Prints one line per entry, "PASS n" or
 * "FAIL n why", then a line "ANSWER n json" with what the engine answered
 * (the script compares nanod's answers with Node's), and "wpt-urlpattern:
 * P of N". ES5, so it runs unchanged in both.
 */
(function () {
    var COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname",
                      "search", "hash"];
    var EARLIER = {
        protocol: [], hostname: ["protocol"], port: ["protocol", "hostname"], username: [],
        password: [], pathname: ["protocol", "hostname", "port"],
        search: ["protocol", "hostname", "port", "pathname"],
        hash: ["protocol", "hostname", "port", "pathname", "search"]
    };
    var text = testdata("wpt-urlpattern/urlpatterntestdata.json");
    var data, passed = 0, i;

    if (text === null) {
        print("wpt-urlpattern: no data (NANOD_TESTDATA/wpt-urlpattern/urlpatterntestdata.json)");
        return;
    }
    data = JSON.parse(text);

    function has(list, x) {
        return list !== undefined && list.indexOf(x) !== -1;
    }
    function construct(args) {
        if (args.length === 0) { return new URLPattern(); }
        if (args.length === 1) { return new URLPattern(args[0]); }
        if (args.length === 2) { return new URLPattern(args[0], args[1]); }
        return new URLPattern(args[0], args[1], args[2]);
    }
    function call(p, m, args) {
        return args.length <= 1 ? p[m](args[0]) : p[m](args[0], args[1]);
    }
    function errorOf(f) {
        try {
            f();
        } catch (e) {
            return e instanceof TypeError ? "TypeError" : (e && e.name) || "throw";
        }
        return null;
    }
    /* The compiled pattern string WPT expects for a component not listed. */
    function expectedComponent(e, c) {
        var base = null, p0 = e.pattern[0], v;
        if (e.expected_obj && e.expected_obj[c] !== undefined) { return e.expected_obj[c]; }
        if (p0 && typeof p0 === "object" && p0.baseURL) {
            base = new URL(p0.baseURL);
        } else if (e.pattern.length > 1 && typeof e.pattern[1] === "string") {
            base = new URL(e.pattern[1]);
        }
        if (has(e.exactly_empty_components, c)) { return ""; }
        if (p0 && typeof p0 === "object" && p0[c]) { return p0[c]; }
        if (p0 && typeof p0 === "object" && EARLIER[c].some(function (k) { return k in p0; })) {
            return "*";
        }
        if (base && c !== "username" && c !== "password") {
            v = base[c];
            if (c === "protocol") { return v.substring(0, v.length - 1); }
            if (c === "search" || c === "hash") { return v.substring(1); }
            return v;
        }
        return "*";
    }
    function sameGroups(got, want) {
        var k, n = 0, m = 0;
        for (k in want) {
            n++;
            if (!Object.prototype.hasOwnProperty.call(got, k)) { return false; }
            if ((want[k] === null ? undefined : want[k]) !== got[k]) { return false; }
        }
        for (k in got) { m++; }
        return n === m;
    }
    function run(e, answer) {
        var p, c, want, r, exp, inputs, j, err;

        if (e.expected_obj === "error") {
            err = errorOf(function () { construct(e.pattern); });
            answer.ctor = err;
            return err === "TypeError" ? null : "constructor: got " + err + ", want TypeError";
        }
        try {
            p = construct(e.pattern);
        } catch (x) {
            answer.ctor = x.name;
            return "constructor threw " + x.name + ": " + x.message;
        }
        answer.obj = {};
        for (j = 0; j < COMPONENTS.length; j++) {
            c = COMPONENTS[j];
            answer.obj[c] = p[c];
            want = expectedComponent(e, c);
            if (p[c] !== want) {
                return "component " + c + ": " + JSON.stringify(p[c]) + ", want "
                    + JSON.stringify(want);
            }
        }
        if (e.expected_match === "error") {
            answer.test = errorOf(function () { call(p, "test", e.inputs); });
            answer.exec = errorOf(function () { call(p, "exec", e.inputs); });
            return answer.test === "TypeError" && answer.exec === "TypeError" ? null
                : "test/exec: got " + answer.test + "/" + answer.exec + ", want TypeError";
        }
        answer.test = call(p, "test", e.inputs);
        if (answer.test !== !!e.expected_match) {
            return "test() " + answer.test;
        }
        r = call(p, "exec", e.inputs);
        answer.exec = r;
        if (!e.expected_match) {
            return r === e.expected_match ? null : "exec() " + JSON.stringify(r);
        }
        if (r === null) { return "exec() null"; }
        inputs = e.expected_match.inputs || e.inputs;
        if (r.inputs.length !== inputs.length) { return "exec().inputs.length"; }
        for (j = 0; j < inputs.length; j++) {
            if (typeof r.inputs[j] === "string" ? r.inputs[j] !== inputs[j]
                : COMPONENTS.some(function (k) { return r.inputs[j][k] !== inputs[j][k]; })) {
                return "exec().inputs[" + j + "]";
            }
        }
        for (j = 0; j < COMPONENTS.length; j++) {
            c = COMPONENTS[j];
            exp = e.expected_match[c];
            if (!exp) {
                exp = { input: "", groups: {} };
                if (!has(e.exactly_empty_components, c)) { exp.groups["0"] = ""; }
            }
            if (r[c].input !== exp.input || !sameGroups(r[c].groups, exp.groups)) {
                return "exec()." + c + " " + JSON.stringify(r[c]) + ", want "
                    + JSON.stringify(exp);
            }
        }
        return null;
    }

    for (i = 0; i < data.length; i++) {
        var answer = {}, why;
        try {
            why = run(data[i], answer);
        } catch (x) {
            why = "threw " + (x && x.name) + ": " + (x && x.message);
            answer.threw = x && x.name;
        }
        if (why === null) {
            passed++;
            print("PASS " + i);
        } else {
            print("FAIL " + i + " " + JSON.stringify(data[i].pattern) + " "
                  + JSON.stringify(data[i].inputs) + ": " + why);
        }
        print("ANSWER " + i + " " + JSON.stringify(answer, function (k, v) {
            return v === undefined ? "(undefined)" : v;
        }));
    }
    print("wpt-urlpattern: " + passed + " of " + data.length);
})();
