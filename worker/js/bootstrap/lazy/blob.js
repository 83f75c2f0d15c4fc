/*
 * Blob, File, FormData (File API, XHR standard), loaded on first use, and the
 * multipart/form-data and urlencoded bodies behind Request/Response
 * formData() and a FormData body. A Blob's bytes are one Uint8Array that is
 * never mutated (slices and bodies share it).
 *
 * provides: global: Blob File FormData
 */
function (native, global, lib) {
    "use strict";
    var encoder = new lib.TextEncoder(), decoder = new lib.TextDecoder();

    function concat(chunks) {
        var n = 0, i, out, off = 0;
        for (i = 0; i < chunks.length; i++) {
            n += chunks[i].length;
        }
        if (chunks.length === 1) {
            return chunks[0];
        }
        out = new Uint8Array(n);
        for (i = 0; i < chunks.length; i++) {
            out.set(chunks[i], off);
            off += chunks[i].length;
        }
        return out;
    }

    function partBytes(p, endings) {
        if (p instanceof Blob) {
            return p._bytes;
        }
        if (p instanceof ArrayBuffer) {
            return new Uint8Array(p.slice(0));
        }
        if (ArrayBuffer.isView(p)) {
            return new Uint8Array(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
        }
        p = String(p);
        if (endings === "native") {
            p = p.replace(/\r\n|\r/g, "\n");
        }
        return encoder.encode(p);
    }

    function normalizeType(t) {
        var i, c;
        t = t === undefined ? "" : String(t);
        for (i = 0; i < t.length; i++) {
            c = t.charCodeAt(i);
            if (c < 0x20 || c > 0x7E) {
                return "";
            }
        }
        return t.toLowerCase();
    }

    function Blob(parts, options) {
        var chunks = [], i, endings;
        if (!(this instanceof Blob)) {
            throw new TypeError("Failed to construct 'Blob': Please use the 'new' operator, "
                                + "this DOM object constructor cannot be called as a function.");
        }
        if (parts === lib.internal) {
            return;
        }
        options = options === undefined || options === null ? {} : options;
        endings = options.endings === undefined ? "transparent" : String(options.endings);
        if (endings !== "transparent" && endings !== "native") {
            throw new TypeError("Failed to construct 'Blob': The provided value '" + endings
                                + "' is not a valid enum value of type EndingType.");
        }
        if (parts !== undefined) {
            if (parts === null || typeof parts !== "object"
                || (!(parts instanceof Array) && typeof parts[Symbol.iterator] !== "function")) {
                throw new TypeError("Failed to construct 'Blob': The provided value cannot be "
                                    + "converted to a sequence.");
            }
            parts = parts instanceof Array ? parts : lib.iterToArray(parts);
            for (i = 0; i < parts.length; i++) {
                chunks.push(partBytes(parts[i], endings));
            }
        }
        this._bytes = chunks.length === 0 ? new Uint8Array(0) : concat(chunks);
        this._type = normalizeType(options.type);
    }
    function fromBytes(bytes, type) {
        var b = new Blob(lib.internal);
        b._bytes = bytes;
        b._type = type;
        return b;
    }
    lib.getters(Blob.prototype, {
        size: function () { return this._bytes.length; },
        type: function () { return this._type; }
    });
    lib.define(Blob.prototype, "slice", function slice(start, end, contentType) {
        var n = this._bytes.length, a, b;
        a = start === undefined ? 0 : Number(start) || 0;
        b = end === undefined ? n : Number(end) || 0;
        a = a < 0 ? Math.max(n + a, 0) : Math.min(a, n);
        b = b < 0 ? Math.max(n + b, 0) : Math.min(b, n);
        a = Math.floor(a);
        b = Math.floor(b);
        return fromBytes(this._bytes.subarray(a, Math.max(a, b)), normalizeType(contentType));
    });
    lib.define(Blob.prototype, "text", function text() {
        return lib.Promise.resolve(decoder.decode(this._bytes));
    });
    lib.define(Blob.prototype, "arrayBuffer", function arrayBuffer() {
        var u = this._bytes;
        return lib.Promise.resolve(u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength));
    });
    lib.define(Blob.prototype, "bytes", function bytes() {
        return lib.Promise.resolve(new Uint8Array(this._bytes));
    });
    Object.defineProperty(Blob.prototype, Symbol.toStringTag, {
        value: "Blob", configurable: true
    });

    function File(bits, name, options) {
        if (!(this instanceof File)) {
            throw new TypeError("Failed to construct 'File': Please use the 'new' operator, "
                                + "this DOM object constructor cannot be called as a function.");
        }
        if (arguments.length < 2) {
            throw new TypeError("Failed to construct 'File': 2 arguments required, but only "
                                + arguments.length + " present.");
        }
        Blob.call(this, bits, options);
        this._name = String(name);
        this._lastModified = options && options.lastModified !== undefined
            ? Number(options.lastModified) : Date.now();
    }
    File.prototype = Object.create(Blob.prototype);
    lib.define(File.prototype, "constructor", File);
    lib.getters(File.prototype, {
        name: function () { return this._name; },
        lastModified: function () { return this._lastModified; }
    });
    Object.defineProperty(File.prototype, Symbol.toStringTag, {
        value: "File", configurable: true
    });
    function makeFile(bytes, name, type) {
        var f = Object.create(File.prototype);
        f._bytes = bytes;
        f._type = type;
        f._name = name;
        f._lastModified = Date.now();
        return f;
    }

    /* --- FormData ------------------------------------------------------------ */

    function entryValue(value, filename, argc) {
        if (value instanceof Blob) {
            if (!(value instanceof File) || argc > 2) {
                return makeFile(value._bytes, argc > 2 ? String(filename)
                                : value instanceof File ? value._name : "blob", value._type);
            }
            return value;
        }
        return String(value);
    }

    function FormData(form) {
        if (!(this instanceof FormData)) {
            throw new TypeError("Failed to construct 'FormData': Please use the 'new' "
                                + "operator, this DOM object constructor cannot be called as "
                                + "a function.");
        }
        if (form !== undefined) {
            throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type "
                                + "'HTMLFormElement'.");
        }
        this._list = [];
    }
    function need(n, args, method) {
        if (args.length < n) {
            throw new TypeError("Failed to execute '" + method + "' on 'FormData': " + n
                                + " argument" + (n > 1 ? "s" : "") + " required, but only "
                                + args.length + " present.");
        }
    }
    var FP = FormData.prototype;
    lib.define(FP, "append", function append(name, value, filename) {
        need(2, arguments, "append");
        this._list.push([String(name), entryValue(value, filename, arguments.length)]);
    });
    lib.define(FP, "delete", function (name) {
        need(1, arguments, "delete");
        name = String(name);
        this._list = this._list.filter(function (e) { return e[0] !== name; });
    });
    lib.define(FP, "get", function get(name) {
        var i;
        need(1, arguments, "get");
        name = String(name);
        for (i = 0; i < this._list.length; i++) {
            if (this._list[i][0] === name) {
                return this._list[i][1];
            }
        }
        return null;
    });
    lib.define(FP, "getAll", function getAll(name) {
        need(1, arguments, "getAll");
        name = String(name);
        return this._list.filter(function (e) { return e[0] === name; })
            .map(function (e) { return e[1]; });
    });
    lib.define(FP, "has", function has(name) {
        need(1, arguments, "has");
        name = String(name);
        return this._list.some(function (e) { return e[0] === name; });
    });
    lib.define(FP, "set", function set(name, value, filename) {
        var entry, out = [], found = false, i;
        need(2, arguments, "set");
        entry = [String(name), entryValue(value, filename, arguments.length)];
        for (i = 0; i < this._list.length; i++) {
            if (this._list[i][0] !== entry[0]) {
                out.push(this._list[i]);
            } else if (!found) {
                out.push(entry);
                found = true;
            }
        }
        if (!found) {
            out.push(entry);
        }
        this._list = out;
    });
    lib.define(FP, "forEach", function forEach(callback, thisArg) {
        var i;
        for (i = 0; i < this._list.length; i++) {
            callback.call(thisArg, this._list[i][1], this._list[i][0], this);
        }
    });
    function Iter(fd, kind) {
        this._fd = fd;
        this._kind = kind;
        this._i = 0;
    }
    lib.define(Iter.prototype, "next", function next() {
        var e;
        if (this._i >= this._fd._list.length) {
            return { value: undefined, done: true };
        }
        e = this._fd._list[this._i++];
        return { value: this._kind === 0 ? [e[0], e[1]] : this._kind === 1 ? e[0] : e[1],
                 done: false };
    });
    Iter.prototype[Symbol.iterator] = function () { return this; };
    lib.define(FP, "entries", function entries() { return new Iter(this, 0); });
    lib.define(FP, "keys", function keys() { return new Iter(this, 1); });
    lib.define(FP, "values", function values() { return new Iter(this, 2); });
    lib.define(FP, Symbol.iterator, FP.entries);
    Object.defineProperty(FP, Symbol.toStringTag, { value: "FormData", configurable: true });

    /* --- multipart/form-data -------------------------------------------------- */

    function escapeFieldName(s) {
        return s.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
    }

    lib.formDataBody = function (fd) {
        var rnd = new Uint8Array(12), boundary = "----nanodFormBoundary", chunks = [], i, e,
            head;
        native.randomFill(rnd);
        for (i = 0; i < rnd.length; i++) {
            boundary += "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                .charAt(rnd[i] % 58);
        }
        for (i = 0; i < fd._list.length; i++) {
            e = fd._list[i];
            head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                + escapeFieldName(e[0].replace(/\r\n|\r|\n/g, "\r\n")) + "\"";
            if (typeof e[1] === "string") {
                chunks.push(encoder.encode(head + "\r\n\r\n"
                                           + e[1].replace(/\r\n|\r|\n/g, "\r\n") + "\r\n"));
            } else {
                head += "; filename=\"" + escapeFieldName(e[1]._name) + "\"\r\nContent-Type: "
                    + (e[1]._type !== "" ? e[1]._type : "application/octet-stream")
                    + "\r\n\r\n";
                chunks.push(encoder.encode(head), e[1]._bytes, encoder.encode("\r\n"));
            }
        }
        chunks.push(encoder.encode("--" + boundary + "--\r\n"));
        return { bytes: concat(chunks), type: "multipart/form-data; boundary=" + boundary };
    };

    /* Parameters of a MIME type: { essence, params: {name: value} }. */
    function parseMime(s) {
        var parts, out = { essence: "", params: {} }, i, p, eq, k, v;
        if (s === null || s === undefined) {
            return out;
        }
        parts = String(s).split(";");
        out.essence = parts[0].replace(/^[\s]+|[\s]+$/g, "").toLowerCase();
        for (i = 1; i < parts.length; i++) {
            p = parts[i];
            eq = p.indexOf("=");
            if (eq < 0) {
                continue;
            }
            k = p.substring(0, eq).replace(/^[\s]+|[\s]+$/g, "").toLowerCase();
            v = p.substring(eq + 1).replace(/^[\s]+|[\s]+$/g, "");
            if (v.charAt(0) === "\"") {
                /* A quoted string: may contain ";" (rejoin the split pieces). */
                while (v.length < 2 || v.charAt(v.length - 1) !== "\"") {
                    if (++i >= parts.length) {
                        break;
                    }
                    v += ";" + parts[i];
                    v = v.replace(/[\s]+$/, "");
                }
                v = v.substring(1, v.length - 1).replace(/\\(.)/g, "$1");
            }
            if (!Object.prototype.hasOwnProperty.call(out.params, k)) {
                out.params[k] = v;
            }
        }
        return out;
    }

    function dispositionParam(header, name) {
        var re = new RegExp(";\\s*" + name + "=(\"((?:[^\"\\\\]|\\\\.)*)\"|[^;\\s]*)", "i"),
            m = re.exec(header);
        if (m === null) {
            return null;
        }
        return m[2] !== undefined ? m[2] : m[1];
    }

    function utf8OfLatin1(s) {
        var u = new Uint8Array(s.length), i;
        for (i = 0; i < s.length; i++) {
            u[i] = s.charCodeAt(i);
        }
        return decoder.decode(u);
    }

    function badForm(why) {
        return new TypeError("Failed to parse the body as FormData: " + why);
    }

    function parseMultipart(bytes, boundary) {
        var fd = new FormData(), s = native.latin1(bytes), delim = "--" + boundary, pos, next,
            end, head, body, lines, i, name, filename, type, disp, colon, k;
        pos = s.indexOf(delim);
        if (pos < 0) {
            throw badForm("no multipart boundary");
        }
        for (;;) {
            pos += delim.length;
            if (s.substring(pos, pos + 2) === "--") {
                break;
            }
            if (s.substring(pos, pos + 2) !== "\r\n") {
                throw badForm("malformed multipart boundary line");
            }
            pos += 2;
            end = s.indexOf("\r\n\r\n", pos);
            if (end < 0) {
                throw badForm("a part without a header end");
            }
            head = s.substring(pos, end);
            next = s.indexOf("\r\n" + delim, end + 4);
            if (next < 0) {
                throw badForm("a part without a closing boundary");
            }
            lines = head === "" ? [] : head.split("\r\n");
            disp = null;
            type = "";
            for (i = 0; i < lines.length; i++) {
                colon = lines[i].indexOf(":");
                if (colon < 0) {
                    continue;
                }
                k = lines[i].substring(0, colon).toLowerCase().replace(/\s+$/, "");
                if (k === "content-disposition") {
                    disp = lines[i].substring(colon + 1);
                } else if (k === "content-type") {
                    type = lines[i].substring(colon + 1).replace(/^\s+|\s+$/g, "");
                }
            }
            if (disp === null || !/^\s*form-data/i.test(disp)) {
                throw badForm("a part without Content-Disposition: form-data");
            }
            name = dispositionParam(disp, "name");
            if (name === null) {
                throw badForm("a part without a name");
            }
            name = utf8OfLatin1(name);
            filename = dispositionParam(disp, "filename");
            body = bytes.subarray(end + 4, next);
            if (filename !== null) {
                fd._list.push([name, makeFile(new Uint8Array(body), utf8OfLatin1(filename),
                                              normalizeType(type === "" ? "text/plain"
                                                            : type))]);
            } else {
                fd._list.push([name, decoder.decode(body)]);
            }
            pos = next + 2;
        }
        return fd;
    }

    lib.parseFormData = function (bytes, contentType) {
        var mime = parseMime(contentType), fd, list, i;
        if (mime.essence === "multipart/form-data") {
            if (!mime.params.boundary) {
                throw badForm("multipart/form-data without a boundary");
            }
            return parseMultipart(bytes, mime.params.boundary);
        }
        if (mime.essence === "application/x-www-form-urlencoded") {
            list = lib.require("url").urlencodedParse(decoder.decode(bytes));
            fd = new FormData();
            for (i = 0; i < list.length; i++) {
                fd._list.push(list[i]);
            }
            return fd;
        }
        throw badForm("the content type is not multipart/form-data or "
                      + "application/x-www-form-urlencoded");
    };
    lib.parseMime = parseMime;

    lib.Blob = Blob;
    lib.File = File;
    lib.FormData = FormData;
    lib.define(global, "Blob", Blob);
    lib.define(global, "File", File);
    lib.define(global, "FormData", FormData);
}
