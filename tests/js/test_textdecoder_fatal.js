/* TextDecoder with fatal: true (issue 15 item 3; WPT encoding/textdecoder-fatal
 * "Error seen with fatal does not prevent future decodes"): after a decode()
 * throws, the next one starts from a fresh decoder. */
(function () {
    var good = new Uint8Array([0x61, 0x62]);
    var bads = {
        "truncated sequence at the end": [0xE2, 0x82],
        "truncated 4-byte sequence": [0xF0, 0x9F, 0x98],
        "invalid continuation": [0xE2, 0x28, 0xA1],
        "lone continuation byte": [0x80],
        "overlong": [0xC0, 0xAF],
        "0xFF": [0xFF]
    };
    Object.keys(bads).forEach(function (name) {
        var d = new TextDecoder("utf-8", { fatal: true }), threw = false, got;
        T.check(name + ": good before", d.decode(good), "ab");
        try {
            d.decode(new Uint8Array(bads[name]));
        } catch (e) {
            threw = e instanceof TypeError;
        }
        T.check(name + ": throws TypeError", threw, true);
        try {
            got = d.decode(good);
        } catch (e) {
            got = "threw " + e;
        }
        T.check(name + ": the next decode works", got, "ab");
    });
    // The same after a streaming call that failed.
    var d = new TextDecoder("utf-8", { fatal: true }), got;
    T.check("stream: first chunk", d.decode(new Uint8Array([0x61, 0xE2]), { stream: true }), "a");
    try {
        d.decode(new Uint8Array([0x28]), { stream: true });
        T.fail("stream: invalid continuation", "no error");
    } catch (e) {
        T.check("stream: invalid continuation throws", e instanceof TypeError, true);
    }
    try {
        got = d.decode(good);
    } catch (e) {
        got = "threw " + e;
    }
    T.check("stream: the next decode works", got, "ab");
    // A BOM at the start of the next decode is still stripped after an error.
    d = new TextDecoder("utf-8", { fatal: true });
    try {
        d.decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0xE2]));
    } catch (e) {
        // expected
    }
    T.check("BOM stripped on the decode after an error",
            d.decode(new Uint8Array([0xEF, 0xBB, 0xBF, 0x61])), "a");
    // Non-fatal decoders replace, and keep working.
    d = new TextDecoder();
    T.check("replacement mode", d.decode(new Uint8Array([0xE2, 0x82])), "\uFFFD");
    T.check("replacement mode: next", d.decode(good), "ab");
})();
