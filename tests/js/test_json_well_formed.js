/* JSON.stringify as ES2019 and V8 write it (duk-patches/121, duk_overrides.h):
 * U+2028/U+2029 as they are (Duktape escaped them), a surrogate that is not
 * half of a pair as a \uXXXX escape (Duktape wrote its raw CESU-8 bytes, a
 * U+FFFD on the wire), pairs as they are however they were made; and the
 * URIError message V8 gives (duk-patches/98). Expected values are Node 20's. */
(function () {
    var cases = [
      ["line and paragraph separators", function () { return JSON.stringify("a\u2028b\u2029c"); }],
      ["lone high", function () { return JSON.stringify("x\ud800y"); }],
      ["lone low", function () { return JSON.stringify("\udc00"); }],
      ["reversed pair", function () { return JSON.stringify("\udc00\ud800"); }],
      ["high at the end", function () { return JSON.stringify("abc\udbff"); }],
      ["two highs then a low", function () { return JSON.stringify("\ud800\ud83d\ude00"); }],
      ["a pair", function () { return JSON.stringify("\ud83d\ude00"); }],
      ["a pair made by concatenation", function () { return JSON.stringify("\ud83d" + "\ude00"); }],
      ["a pair from UTF-8 bytes", function () { return JSON.stringify(new TextDecoder().decode(new Uint8Array([0xf0, 0x9f, 0x98, 0x80]))); }],
      ["keys", function () { var o = {}; o["k\ud800"] = "\u2028"; return JSON.stringify(o); }],
      ["indented", function () { return JSON.stringify({ a: ["\udfff", "\u2029"] }, null, 2); }],
      ["long string", function () { var s = ""; for (var i = 0; i < 100; i++) s += "ab\ud800\ud83d\ude00\u2028"; return JSON.stringify(s); }],
      ["the bytes a Response sends", function () { return Array.prototype.slice.call(new TextEncoder().encode(JSON.stringify(["\ud800", "\u2028", "\ud83d\ude00"]))).join(","); }],
      ["round trip", function () { return JSON.parse(JSON.stringify("\ud800\u2028")) === "\ud800\u2028"; }],
      ["URIError from decodeURIComponent", function () { try { decodeURIComponent("%E0%A4%A"); } catch (e) { return e.name + ": " + e.message; } }],
      ["URIError from encodeURIComponent", function () { try { encodeURIComponent("\ud800"); } catch (e) { return e.name + ": " + e.message; } }],
      ["URIError from decodeURI", function () { try { decodeURI("%"); } catch (e) { return e.name + ": " + e.message; } }],
      ["URIError from encodeURI", function () { try { encodeURI("\udc00"); } catch (e) { return e.name + ": " + e.message; } }]
    ];

    var want = ["\"a\u2028b\u2029c\"",
        "\"x\\ud800y\"",
        "\"\\udc00\"",
        "\"\\udc00\\ud800\"",
        "\"abc\\udbff\"",
        "\"\\ud800\ud83d\ude00\"",
        "\"\ud83d\ude00\"",
        "\"\ud83d\ude00\"",
        "\"\ud83d\ude00\"",
        "{\"k\\ud800\":\"\u2028\"}",
        "{\n  \"a\": [\n    \"\\udfff\",\n    \"\u2029\"\n  ]\n}",
        "\"ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028ab\\ud800\ud83d\ude00\u2028\"",
        "91,34,92,117,100,56,48,48,34,44,34,226,128,168,34,44,34,240,159,152,128,34,93",true,"URIError: URI malformed",
        "URIError: URI malformed",
        "URIError: URI malformed",
        "URIError: URI malformed"];
    var i, got;

    for (i = 0; i < cases.length; i++) {
        got = cases[i][1]();
        T.check(cases[i][0], got, want[i]);
    }
})();
