/*
 * Body, Request, Response. Lean representation (slots, lazy Headers), exact
 * behaviour where implemented. C reads a Response through lib.respond().
 */
function (native, global, lib) {
    "use strict";
    var Headers = lib.Headers, Promise = lib.Promise;
    var INTERNAL = {};
    var decoder = new TextDecoder(), encoder = new TextEncoder();

    function toBytes(body) {
        /* -> Uint8Array */
        if (typeof body === "string") {
            return encoder.encode(body);
        }
        if (body instanceof Uint8Array) {
            return body;
        }
        if (body instanceof ArrayBuffer) {
            return new Uint8Array(body);
        }
        if (ArrayBuffer.isView(body)) {
            return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        }
        return new Uint8Array(0);
    }

    /* Normalizes a body init: string | Uint8Array | null; sets this._ctype. */
    function extractBody(self, body) {
        self._ctype = null;
        if (body === undefined || body === null) {
            self._body = null;
        } else if (typeof body === "string") {
            self._body = body;
            self._ctype = "text/plain;charset=UTF-8";
        } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
            self._body = toBytes(body).slice();
        } else if (lib.URLSearchParams && body instanceof lib.URLSearchParams) {
            self._body = body.toString();
            self._ctype = "application/x-www-form-urlencoded;charset=UTF-8";
        } else if (lib.extractFormData && lib.isFormData(body)) {
            lib.extractFormData(self, body);
        } else {
            self._body = String(body);
            self._ctype = "text/plain;charset=UTF-8";
        }
    }

    function consume(self) {
        var b;
        if (self._bodyUsed) {
            return null;
        }
        if (self._body !== null) {
            self._bodyUsed = true;
        }
        b = self._body;
        return b === null ? "" : b;
    }

    function bodyUsedError(self) {
        return Promise.reject(new TypeError("Body has already been used. It can only be used "
                                            + "once. Use tee() first if you need to read it twice."));
    }

    var Body = {
        text: function () {
            var b = consume(this);
            if (b === null) { return bodyUsedError(this); }
            return Promise.resolve(typeof b === "string" ? b : decoder.decode(b));
        },
        json: function () {
            var b = consume(this);
            if (b === null) { return bodyUsedError(this); }
            try {
                return Promise.resolve(JSON.parse(typeof b === "string" ? b : decoder.decode(b)));
            } catch (e) {
                return Promise.reject(e);
            }
        },
        arrayBuffer: function () {
            var b = consume(this), u;
            if (b === null) { return bodyUsedError(this); }
            u = toBytes(b);
            return Promise.resolve(u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength));
        },
        bytes: function () {
            var b = consume(this);
            if (b === null) { return bodyUsedError(this); }
            return Promise.resolve(toBytes(b).slice());
        }
    };

    function mixBody(proto) {
        var k;
        for (k in Body) {
            lib.define(proto, k, Body[k]);
        }
        Object.defineProperty(proto, "bodyUsed", {
            get: function () { return !!this._bodyUsed; }, configurable: true
        });
        Object.defineProperty(proto, "headers", {
            get: function () {
                if (this._headers === null) {
                    this._headers = this._raw !== undefined ? lib.headersFromRaw(this._raw)
                                                            : new Headers();
                    if (this._ctype && !this._headers.has("content-type")) {
                        this._headers._list.push("content-type", this._ctype);
                    }
                }
                return this._headers;
            },
            configurable: true
        });
    }

    /* --- Request --------------------------------------------------------- */

    function Request(input, init) {
        var src = null;
        if (!(this instanceof Request)) {
            throw new TypeError("Failed to construct 'Request': Please use the 'new' operator");
        }
        if (input === INTERNAL) {
            return;
        }
        init = init || {};
        if (input instanceof Request) {
            src = input;
            this._url = input.url;
        } else {
            this._url = lib.parseURL ? lib.parseURL(String(input)) : String(input);
        }
        this._method = init.method !== undefined ? normalizeMethod(init.method)
                                                  : (src ? src._method : "GET");
        this._headers = new Headers(init.headers !== undefined ? init.headers
                                                               : (src ? src.headers : undefined));
        this._bodyUsed = false;
        this._redirect = init.redirect || (src ? src._redirect : "follow");
        this._signal = init.signal || (src ? src._signal : null);
        if (init.body !== undefined && init.body !== null) {
            if (this._method === "GET" || this._method === "HEAD") {
                throw new TypeError("Request with GET/HEAD method cannot have body.");
            }
            extractBody(this, init.body);
            if (this._ctype && !this._headers.has("content-type")) {
                this._headers.append("content-type", this._ctype);
            }
        } else if (src) {
            if (src._bodyUsed) {
                throw new TypeError("Cannot construct a Request with a Request object that "
                                    + "has already been used.");
            }
            this._body = src._body;
            this._ctype = null;
        } else {
            this._body = null;
            this._ctype = null;
        }
    }

    function normalizeMethod(m) {
        var s = String(m), u = s.toUpperCase();
        if (u === "DELETE" || u === "GET" || u === "HEAD" || u === "OPTIONS" || u === "POST"
            || u === "PUT" || u === "PATCH") {
            return u;
        }
        lib.checkHeaderName(s);     /* a method is a token too */
        if (u === "CONNECT" || u === "TRACE" || u === "TRACK") {
            throw new TypeError("Failed to construct 'Request': '" + s
                                + "' HTTP method is unsupported.");
        }
        return s;
    }

    Object.defineProperty(Request.prototype, "method", {
        get: function () { return this._method; }, configurable: true
    });
    Object.defineProperty(Request.prototype, "url", {
        get: function () { return this._url; }, configurable: true
    });
    Object.defineProperty(Request.prototype, "redirect", {
        get: function () { return this._redirect || "follow"; }, configurable: true
    });
    Object.defineProperty(Request.prototype, "signal", {
        get: function () { return this._signal || null; }, configurable: true
    });
    Object.defineProperty(Request.prototype, "body", {
        get: function () { return this._body === null ? null : this._body; }, configurable: true
    });
    mixBody(Request.prototype);
    lib.define(Request.prototype, "clone", function () {
        if (this._bodyUsed) {
            throw new TypeError("Failed to execute 'clone' on 'Request': Request body is "
                                + "already used");
        }
        return new Request(this);
    });

    /* From C: the incoming request. Headers materialize on first access. */
    lib.incomingRequest = function (method, url, raw, body) {
        var r = new Request(INTERNAL);
        r._method = method;
        r._url = url;
        r._raw = raw;
        r._headers = null;
        r._body = body === undefined ? null : body;
        r._ctype = null;
        r._bodyUsed = false;
        return r;
    };

    /* --- Response -------------------------------------------------------- */

    function Response(body, init) {
        var s;
        if (!(this instanceof Response)) {
            throw new TypeError("Failed to construct 'Response': Please use the 'new' operator");
        }
        if (init === undefined || init === null) {
            this._status = 200;
            this._statusText = "";
            this._headers = null;
        } else {
            s = init.status === undefined ? 200 : init.status;
            if (typeof s !== "number") {
                s = Number(s);
            }
            s = s | 0;
            if (s < 200 || s > 599) {
                throw new RangeError("Failed to construct 'Response': The status provided ("
                                     + init.status + ") is outside the range [200, 599].");
            }
            this._status = s;
            this._statusText = init.statusText === undefined ? "" : String(init.statusText);
            this._headers = init.headers === undefined ? null : new Headers(init.headers);
        }
        this._bodyUsed = false;
        extractBody(this, body);
        if (this._body !== null && (this._status === 204 || this._status === 205
                                    || this._status === 304)) {
            throw new TypeError("Response with null body status cannot have body");
        }
    }
    mixBody(Response.prototype);
    Object.defineProperty(Response.prototype, "status", {
        get: function () { return this._status; }, configurable: true
    });
    Object.defineProperty(Response.prototype, "statusText", {
        get: function () { return this._statusText; }, configurable: true
    });
    Object.defineProperty(Response.prototype, "ok", {
        get: function () { return this._status >= 200 && this._status <= 299; },
        configurable: true
    });
    Object.defineProperty(Response.prototype, "redirected", {
        get: function () { return !!this._redirected; }, configurable: true
    });
    Object.defineProperty(Response.prototype, "url", {
        get: function () { return this._url || ""; }, configurable: true
    });
    Object.defineProperty(Response.prototype, "type", {
        get: function () { return this._type || "default"; }, configurable: true
    });
    Object.defineProperty(Response.prototype, "body", {
        get: function () { return this._body === null ? null : this._body; }, configurable: true
    });
    lib.define(Response.prototype, "clone", function () {
        var r;
        if (this._bodyUsed) {
            throw new TypeError("Failed to execute 'clone' on 'Response': Response body is "
                                + "already used");
        }
        r = Object.create(Response.prototype);
        r._status = this._status;
        r._statusText = this._statusText;
        r._headers = this._headers === null ? null : new Headers(this._headers);
        r._ctype = this._ctype;
        r._body = this._body;
        r._bodyUsed = false;
        r._url = this._url;
        r._redirected = this._redirected;
        return r;
    });
    lib.define(Response, "json", function (data, init) {
        var body = JSON.stringify(data), r;
        if (body === undefined) {
            throw new TypeError("Failed to execute 'json' on 'Response': The data is not "
                                + "JSON serializable");
        }
        r = new Response(body, init);
        r._ctype = "application/json";
        if (r._headers !== null && !r._headers.has("content-type")) {
            r._headers.append("content-type", "application/json");
        }
        return r;
    });
    lib.define(Response, "redirect", function (url, status) {
        var r;
        status = status === undefined ? 302 : status;
        if (status !== 301 && status !== 302 && status !== 303 && status !== 307
            && status !== 308) {
            throw new RangeError("Failed to execute 'redirect' on 'Response': Invalid status "
                                 + "code");
        }
        r = new Response(null, { status: status });
        r._headers = new Headers();
        r._headers.append("location", lib.parseURL ? lib.parseURL(String(url)) : String(url));
        return r;
    });
    lib.define(Response, "error", function () {
        var r = new Response(null);
        r._status = 0;
        r._type = "error";
        return r;
    });

    /* To C: status, flat header list or null, body, default content type. */
    lib.respond = function (id, r) {
        var h = r._headers, flat = null;
        if (h !== null) {
            flat = h._list;
        }
        if (r._status === 0) {
            native.fail(id, "the app returned Response.error()", "");
            return;
        }
        native.respond(id, r._status, flat, r._body, r._ctype);
    };

    lib.define(global, "Request", Request);
    lib.define(global, "Response", Response);
    lib.Request = Request;
    lib.Response = Response;
}
