/*
 * TextEncoder/TextDecoder: Duktape's built-ins (UTF-8, fatal, ignoreBOM,
 * stream) behind constructors that check the encoding label (only UTF-8 is
 * supported: other labels are a RangeError) and with encodeInto().
 *
 * provides: global: TextEncoder TextDecoder
 */
function (native, global, lib) {
    "use strict";
    var BuiltinDecoder = lib.TextDecoder, BuiltinEncoder = lib.TextEncoder;
    var LABELS = { "unicode-1-1-utf-8": 1, "unicode11utf8": 1, "unicode20utf8": 1, "utf-8": 1,
                   "utf8": 1, "x-unicode20utf8": 1 };

    function TextDecoder(label, options) {
        var l;
        if (!(this instanceof TextDecoder)) {
            throw new TypeError("Failed to construct 'TextDecoder': Please use the 'new' "
                                + "operator, this DOM object constructor cannot be called as "
                                + "a function.");
        }
        l = label === undefined ? "utf-8"
            : String(label).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "").toLowerCase();
        if (LABELS[l] !== 1) {
            throw new RangeError("Failed to construct 'TextDecoder': The encoding label "
                                 + "provided ('" + String(label) + "') is invalid.");
        }
        if (options !== undefined && options !== null && typeof options !== "object") {
            throw new TypeError("Failed to construct 'TextDecoder': The provided value is not "
                                + "of type 'TextDecoderOptions'.");
        }
        return new BuiltinDecoder("utf-8", options === null ? undefined : options);
    }
    TextDecoder.prototype = BuiltinDecoder.prototype;
    lib.define(TextDecoder.prototype, "constructor", TextDecoder);

    function TextEncoder() {
        if (!(this instanceof TextEncoder)) {
            throw new TypeError("Failed to construct 'TextEncoder': Please use the 'new' "
                                + "operator, this DOM object constructor cannot be called as "
                                + "a function.");
        }
        return new BuiltinEncoder();
    }
    TextEncoder.prototype = BuiltinEncoder.prototype;
    lib.define(TextEncoder.prototype, "constructor", TextEncoder);
    lib.define(TextEncoder.prototype, "encodeInto", function encodeInto(source, dest) {
        var s = String(source), read = 0, written = 0, i = 0, c, d, cp, n;
        if (!(dest instanceof Uint8Array)) {
            throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 "
                                + "is not of type 'Uint8Array'.");
        }
        while (i < s.length) {
            c = s.charCodeAt(i);
            n = 1;
            cp = c;
            if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) {
                d = s.charCodeAt(i + 1);
                if (d >= 0xDC00 && d <= 0xDFFF) {
                    cp = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
                    n = 2;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            var len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (written + len > dest.length) {
                break;
            }
            if (len === 1) {
                dest[written] = cp;
            } else if (len === 2) {
                dest[written] = 0xC0 | (cp >> 6);
                dest[written + 1] = 0x80 | (cp & 0x3F);
            } else if (len === 3) {
                dest[written] = 0xE0 | (cp >> 12);
                dest[written + 1] = 0x80 | ((cp >> 6) & 0x3F);
                dest[written + 2] = 0x80 | (cp & 0x3F);
            } else {
                dest[written] = 0xF0 | (cp >> 18);
                dest[written + 1] = 0x80 | ((cp >> 12) & 0x3F);
                dest[written + 2] = 0x80 | ((cp >> 6) & 0x3F);
                dest[written + 3] = 0x80 | (cp & 0x3F);
            }
            written += len;
            read += n;
            i += n;
        }
        return { read: read, written: written };
    });
    lib.define(global, "TextDecoder", TextDecoder);
    lib.define(global, "TextEncoder", TextEncoder);
}
