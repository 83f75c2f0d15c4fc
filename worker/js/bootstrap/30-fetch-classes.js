/*
 * Body, Request, Response (Fetch standard). Lean representation: internal
 * slots, defaults on the prototype (a `new Response("hi")` owns two
 * properties), Headers built only when read. C reads a Response through
 * lib.respond().
 *
 * Slots (shared with fetch() in lazy/fetch.js):
 *   _body      null | string (sent as UTF-8) | Uint8Array (bytes, never mutated)
 *   _ctype     content type implied by the body, or null; added to the header
 *              list when the headers are read (or by C when sending)
 *   _headers   a Headers, or null (no header yet / not materialized)
 *   _bodyUsed  true once read
 *   Request:   _method, _url (serialized), _raw (the incoming request's header
 *              block, parsed on first read of .headers), _redirect, _signal, _cf
 *   Response:  _status, _statusText, _url, _redirected, _type
 * lib.takeBody(r) -> null | string | Uint8Array: consumes r's body (TypeError
 * when already used), for fetch().
 */
function (native, global, lib) {
    "use strict";
    /* lib.Headers and lib.Promise are lazy (their files load on first read):
     * looked up where used, never captured here. */
    var TEXT = "text/plain;charset=UTF-8";
    var decoder = new lib.TextDecoder(), encoder = new lib.TextEncoder();
    var NO_INIT = {};
    var nativeRespond = native.respond, nativeFail = native.fail;

    function copyBytes(u) {
        /* -> a new Uint8Array with a copy of the view's bytes */
        return new Uint8Array(u);
    }

    function viewBytes(body) {
        if (body instanceof Uint8Array) {
            return body;
        }
        if (body instanceof ArrayBuffer) {
            return new Uint8Array(body);
        }
        return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    }

    /* Extracts a body init (not null/undefined) into self._body/_ctype. */
    function extractBody(self, body) {
        var x;
        if (typeof body === "string") {
            self._body = body;
            self._ctype = TEXT;
        } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
            self._body = copyBytes(viewBytes(body));
            self._ctype = null;
        } else if (lib.Blob !== undefined && body instanceof lib.Blob) {
            self._body = body._bytes;
            self._ctype = body.type !== "" ? body.type : null;
        } else if (lib.FormData !== undefined && body instanceof lib.FormData) {
            x = lib.formDataBody(body);
            self._body = x.bytes;
            self._ctype = x.type;
        } else if (lib.URLSearchParams !== undefined && body instanceof lib.URLSearchParams) {
            self._body = body.toString();
            self._ctype = "application/x-www-form-urlencoded;charset=UTF-8";
        } else {
            self._body = String(body);
            self._ctype = TEXT;
        }
    }

    function toBytes(b) {
        return typeof b === "string" ? encoder.encode(b) : b;
    }

    function bodyText(b) {
        return typeof b === "string" ? b : decoder.decode(b);
    }

    function usedError(kind) {
        return new TypeError("Body has already been used. It can only be used once. Use "
                             + "tee() first if you need to read it twice.");
    }

    /* The body (string | Uint8Array | "" for none), marking it used; null if
     * it was used already. */
    function consume(self) {
        var b = self._body;
        if (self._bodyUsed) {
            return null;
        }
        if (b === null) {
            return "";
        }
        self._bodyUsed = true;
        return b;
    }

    lib.takeBody = function (r) {
        var b = r._body;
        if (r._bodyUsed) {
            throw usedError();
        }
        if (b !== null) {
            r._bodyUsed = true;
        }
        return b;
    };

    var Body = {
        text: function text() {
            var b = consume(this);
            if (b === null) { return lib.Promise.reject(usedError()); }
            return lib.Promise.resolve(bodyText(b));
        },
        json: function json() {
            var b = consume(this);
            if (b === null) { return lib.Promise.reject(usedError()); }
            try {
                return lib.Promise.resolve(JSON.parse(bodyText(b)));
            } catch (e) {
                return lib.Promise.reject(e);
            }
        },
        arrayBuffer: function arrayBuffer() {
            var b = consume(this), u;
            if (b === null) { return lib.Promise.reject(usedError()); }
            u = toBytes(b);
            return lib.Promise.resolve(u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength));
        },
        bytes: function bytes() {
            var b = consume(this);
            if (b === null) { return lib.Promise.reject(usedError()); }
            return lib.Promise.resolve(copyBytes(toBytes(b)));
        },
        blob: function blob() {
            var b = consume(this), type;
            if (b === null) { return lib.Promise.reject(usedError()); }
            type = this.headers.get("content-type");
            lib.require("blob");
            return lib.Promise.resolve(new lib.Blob([toBytes(b)], { type: type === null ? ""
                                                                   : type }));
        },
        formData: function formData() {
            var b = consume(this), type;
            if (b === null) { return lib.Promise.reject(usedError()); }
            type = this.headers.get("content-type");
            try {
                return lib.Promise.resolve(lib.require("blob").parseFormData(toBytes(b), type));
            } catch (e) {
                return lib.Promise.reject(e);
            }
        }
    };

    function materialize(self) {
        var h = self._headers;
        if (h === null) {
            h = self._raw !== undefined ? lib.headersFromRaw(self._raw, "immutable")
                                        : new lib.Headers();
            if (self._ctype !== null && !h.has("content-type")) {
                h._list.push("content-type", self._ctype);
            }
            self._headers = h;
        }
        return h;
    }

    function mixBody(proto) {
        var k;
        for (k in Body) {
            lib.define(proto, k, Body[k]);
        }
        lib.define(proto, "_body", null);
        lib.define(proto, "_ctype", null);
        lib.define(proto, "_headers", null);
        lib.define(proto, "_bodyUsed", false);
        lib.getters(proto, {
            bodyUsed: function () { return this._bodyUsed; },
            headers: function () { return materialize(this); },
            /* No ReadableStream: the body itself (string or bytes), which
             * `new Response(other.body, other)` passes on; null when none. */
            body: function () { return this._body; }
        });
    }

    /* With init headers: the body's content type joins them unless set. */
    function addContentType(self) {
        var h = self._headers, l, j;
        if (self._ctype === null || h === null) {
            return;
        }
        l = h._list;
        for (j = 0; j < l.length; j += 2) {
            if (l[j] === "content-type") {
                return;
            }
        }
        l.push("content-type", self._ctype);
    }

    /* --- Request --------------------------------------------------------- */

    function normalizeMethod(m) {
        var s = String(m), u = s.toUpperCase();
        if (u === "DELETE" || u === "GET" || u === "HEAD" || u === "OPTIONS" || u === "POST"
            || u === "PUT") {
            return u;
        }
        try {
            lib.checkHeaderName(s);     /* a method is a token too */
        } catch (e) {
            throw new TypeError("Failed to construct 'Request': '" + s
                                + "' is not a valid HTTP method.");
        }
        if (u === "CONNECT" || u === "TRACE" || u === "TRACK") {
            throw new TypeError("Failed to construct 'Request': '" + s
                                + "' HTTP method is unsupported.");
        }
        return s;
    }

    function Request(input, init) {
        var src = null, body, r;
        if (!(this instanceof Request)) {
            throw new TypeError("Failed to construct 'Request': Please use the 'new' operator, "
                                + "this DOM object constructor cannot be called as a function.");
        }
        if (arguments.length < 1) {
            throw new TypeError("Failed to construct 'Request': 1 argument required, but only "
                                + "0 present.");
        }
        if (init === undefined || init === null) {
            init = NO_INIT;
        } else if (typeof init !== "object" && typeof init !== "function") {
            throw new TypeError("Failed to construct 'Request': The provided value is not of "
                                + "type 'RequestInit'.");
        }
        if (input instanceof Request) {
            src = input;
            this._url = src._url;
        } else {
            this._url = lib.require("url").parseURL(String(input), "Request");
        }
        this._method = init.method !== undefined ? normalizeMethod(init.method)
                                                  : (src !== null ? src._method : "GET");
        r = init.redirect !== undefined ? String(init.redirect)
                                        : (src !== null ? src._redirect : "follow");
        if (r !== "follow" && r !== "error" && r !== "manual") {
            throw new TypeError("Failed to construct 'Request': The provided value '" + r
                                + "' is not a valid enum value of type RequestRedirect.");
        }
        if (r !== "follow") {
            this._redirect = r;
        }
        if (init.signal !== undefined) {
            if (init.signal !== null && !(lib.require("events").AbortSignal
                                          && init.signal instanceof lib.AbortSignal)) {
                throw new TypeError("Failed to construct 'Request': member signal is not of "
                                    + "type AbortSignal.");
            }
            this._signal = init.signal;
        } else if (src !== null && src._signal !== null) {
            this._signal = src._signal;
        }
        if (init.cf !== undefined) {
            this._cf = init.cf;
        } else if (src !== null && src._cf !== undefined) {
            this._cf = src._cf;
        }
        if (init.headers !== undefined) {
            this._headers = new lib.Headers(init.headers);
        } else if (src !== null) {
            this._headers = new lib.Headers(materialize(src));
        }
        body = init.body;
        if (body !== undefined && body !== null) {
            if (this._method === "GET" || this._method === "HEAD") {
                throw new TypeError("Failed to construct 'Request': Request with GET/HEAD "
                                    + "method cannot have body.");
            }
            extractBody(this, body);
            if (this._ctype !== null) {
                materialize(this);
                addContentType(this);
            }
        } else if (src !== null && src._body !== null) {
            if (src._bodyUsed) {
                throw new TypeError("Failed to construct 'Request': Cannot construct a Request "
                                    + "with a Request object that has already been used.");
            }
            if (this._method === "GET" || this._method === "HEAD") {
                throw new TypeError("Failed to construct 'Request': Request with GET/HEAD "
                                    + "method cannot have body.");
            }
            this._body = src._body;
            src._bodyUsed = true;
        }
    }
    mixBody(Request.prototype);
    lib.define(Request.prototype, "_redirect", "follow");
    lib.define(Request.prototype, "_signal", null);
    lib.define(Request.prototype, "_cf", undefined);
    lib.getters(Request.prototype, {
        method: function () { return this._method; },
        url: function () { return this._url; },
        redirect: function () { return this._redirect; },
        signal: function () {
            if (this._signal === null) {
                this._signal = new (lib.require("events").AbortSignal)(lib.internal);
            }
            return this._signal;
        },
        cf: function () { return this._cf; },
        keepalive: function () { return false; },
        integrity: function () { return ""; }
    });
    lib.define(Request.prototype, "clone", function clone() {
        var r;
        if (this._bodyUsed) {
            throw new TypeError("Failed to execute 'clone' on 'Request': Request body is "
                                + "already used");
        }
        r = Object.create(Request.prototype);
        r._method = this._method;
        r._url = this._url;
        r._headers = lib.headersFromList(materialize(this)._list.slice(), this._headers._guard);
        copyOwn(this, r, ["_body", "_ctype", "_redirect", "_signal", "_cf"]);
        return r;
    });
    Object.defineProperty(Request.prototype, Symbol.toStringTag, {
        value: "Request", configurable: true
    });

    function copyOwn(from, to, keys) {
        var i, k;
        for (i = 0; i < keys.length; i++) {
            k = keys[i];
            if (Object.prototype.hasOwnProperty.call(from, k)) {
                to[k] = from[k];
            }
        }
    }

    /* From C: the incoming request. Headers are parsed on first read. */
    function IncomingRequest(method, url, raw, body) {
        this._method = method;
        this._url = url;
        this._raw = raw;
        if (body !== undefined) {
            this._body = body;
        }
    }
    IncomingRequest.prototype = Request.prototype;
    lib.IncomingRequest = IncomingRequest;

    /* --- Response -------------------------------------------------------- */

    function checkStatusText(s) {
        var j, c;
        for (j = 0; j < s.length; j++) {
            c = s.charCodeAt(j);
            if (!(c === 9 || (c >= 32 && c <= 126) || (c >= 128 && c <= 255))) {
                throw new TypeError("Failed to construct 'Response': Invalid statusText");
            }
        }
        return s;
    }

    function applyInit(self, init) {
        var s;
        if (typeof init !== "object" && typeof init !== "function") {
            throw new TypeError("Failed to construct 'Response': The provided value is not of "
                                + "type 'ResponseInit'.");
        }
        if (init.status !== undefined) {
            s = Number(init.status);
            s = (s !== s || s === Infinity || s === -Infinity) ? 0 : s - s % 1;
            s = s % 65536;
            if (s < 0) { s += 65536; }
            if (s < 200 || s > 599) {
                throw new RangeError("Failed to construct 'Response': The status provided ("
                                     + s + ") is outside the range [200, 599].");
            }
            self._status = s;
        }
        if (init.statusText !== undefined) {
            self._statusText = checkStatusText(String(init.statusText));
        }
        if (init.headers !== undefined) {
            self._headers = new lib.Headers(init.headers);
        }
        if (init.cf !== undefined) {
            self._cf = init.cf;
        }
    }

    function nullBodyStatus(s) {
        return s === 101 || s === 103 || s === 204 || s === 205 || s === 304;
    }

    function Response(body, init) {
        if (!(this instanceof Response)) {
            throw new TypeError("Failed to construct 'Response': Please use the 'new' operator, "
                                + "this DOM object constructor cannot be called as a function.");
        }
        if (init !== undefined && init !== null) {
            applyInit(this, init);
        }
        if (typeof body === "string") {
            this._body = body;
            this._ctype = TEXT;
        } else if (body !== undefined && body !== null) {
            extractBody(this, body);
        } else {
            return;
        }
        if (nullBodyStatus(this._status)) {
            throw new TypeError("Failed to construct 'Response': Response with null body "
                                + "status cannot have body");
        }
        if (this._headers !== null) {
            addContentType(this);
        }
    }
    mixBody(Response.prototype);
    lib.define(Response.prototype, "_status", 200);
    lib.define(Response.prototype, "_statusText", "");
    lib.define(Response.prototype, "_url", "");
    lib.define(Response.prototype, "_redirected", false);
    lib.define(Response.prototype, "_type", "default");
    lib.define(Response.prototype, "_cf", undefined);
    lib.getters(Response.prototype, {
        status: function () { return this._status; },
        statusText: function () { return this._statusText; },
        ok: function () { return this._status >= 200 && this._status <= 299; },
        redirected: function () { return this._redirected; },
        url: function () { return this._url; },
        type: function () { return this._type; },
        cf: function () { return this._cf; },
        webSocket: function () { return null; }
    });
    lib.define(Response.prototype, "clone", function clone() {
        var r;
        if (this._bodyUsed) {
            throw new TypeError("Failed to execute 'clone' on 'Response': Response body is "
                                + "already used");
        }
        r = Object.create(Response.prototype);
        copyOwn(this, r, ["_status", "_statusText", "_body", "_ctype", "_url", "_redirected",
                          "_type", "_cf"]);
        if (this._headers !== null) {
            r._headers = lib.headersFromList(this._headers._list.slice(), this._headers._guard);
        }
        return r;
    });
    Object.defineProperty(Response.prototype, Symbol.toStringTag, {
        value: "Response", configurable: true
    });

    lib.define(Response, "json", function json(data, init) {
        var body = JSON.stringify(data), r;
        if (body === undefined) {
            throw new TypeError("Failed to execute 'json' on 'Response': The data is not "
                                + "JSON serializable");
        }
        r = new Response(null, init);
        if (init !== undefined && nullBodyStatus(r._status)) {
            throw new TypeError("Failed to execute 'json' on 'Response': Response with null "
                                + "body status cannot have body");
        }
        r._body = body;
        r._ctype = "application/json";
        if (r._headers !== null) {
            addContentType(r);
        }
        return r;
    });
    lib.define(Response, "redirect", function redirect(url, status) {
        var r, href = lib.require("url").parseURL(String(url), "Response.redirect");
        status = status === undefined ? 302 : Number(status);
        if (status !== 301 && status !== 302 && status !== 303 && status !== 307
            && status !== 308) {
            throw new RangeError("Failed to execute 'redirect' on 'Response': Invalid status "
                                 + "code");
        }
        r = new Response(null, { status: status });
        r._headers = lib.headersFromList(["location", href], "immutable");
        return r;
    });
    lib.define(Response, "error", function error() {
        var r = new Response(null);
        r._status = 0;
        r._type = "error";
        r._headers = lib.headersFromList([], "immutable");
        return r;
    });

    /* To C: status, flat header list or null, body, default content type. */
    lib.respond = function (id, r) {
        var h = r._headers;
        if (r._type === "error") {
            nativeFail(id, "TypeError: the fetch handler returned Response.error() (a network "
                        + "error)", "");
            return;
        }
        if (r._bodyUsed) {
            nativeFail(id, "TypeError: the fetch handler returned a Response whose body was "
                        + "already used", "");
            return;
        }
        nativeRespond(id, r._status, h === null ? null : h._list, r._body, r._ctype);
    };

    lib.define(global, "Request", Request);
    lib.define(global, "Response", Response);
    lib.Request = Request;
    lib.Response = Response;
}
