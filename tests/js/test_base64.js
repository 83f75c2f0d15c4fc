/* WPT forgiving-base64 vectors through atob() (../shared/testdata/wpt-base64). */
(function () {
    var text = testdata("wpt-base64/base64.json");
    if (text === null) {
        T.skip("wpt-base64/base64.json", "no conformance data (../shared/testdata or "
               + "$NANOD_TESTDATA)");
        return;
    }
    JSON.parse(text).forEach(function (t) {
        var input = t[0], want = t[1], got, i, bytes = [];
        var name = "base64 " + JSON.stringify(input);
        try {
            got = atob(input);
        } catch (e) {
            if (want === null && e instanceof DOMException && e.name === "InvalidCharacterError"
                && e.code === 5) {
                T.ok(name);
            } else {
                T.fail(name, "threw " + e.name + ": " + e.message);
            }
            return;
        }
        if (want === null) {
            T.fail(name, "decoded, want InvalidCharacterError");
            return;
        }
        for (i = 0; i < got.length; i++) {
            bytes.push(got.charCodeAt(i));
        }
        if (JSON.stringify(bytes) !== JSON.stringify(want)) {
            T.fail(name, "got " + JSON.stringify(bytes));
            return;
        }
        /* btoa round trip of the decoded bytes, then atob again. */
        if (atob(btoa(got)) !== got) {
            T.fail(name, "btoa round trip");
            return;
        }
        T.ok(name);
    });
})();
