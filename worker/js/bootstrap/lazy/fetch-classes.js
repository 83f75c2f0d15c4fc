/*
 * The rest of Request and Response (30-fetch-classes.js has what every heap
 * needs: the Response constructor, Response.json(), the incoming request and
 * lib.respond(); lazy/fetch-getters.js the getters every framework reads:
 * method, url, headers, status, statusText, ok): the Request constructor,
 * the body readers, the other getters, clone(), Response.redirect/error. 30-fetch-classes.js installs all of them
 * as lazy accessors on the prototypes (and Request on the global object):
 * the first read of any loads this file. Slots: see 30-fetch-classes.js.
 * lib.takeBody(r) -> null | string | Uint8Array | a Promise of one: consumes
 * r's body (TypeError when already used), for fetch().
 * A body that is a stream (r._stream: new Response(readable), .body read,
 * an upstream's streamed body) is lazy/streams.js's business: these
 * functions hand it over there. Except a BodyStream (lazy/body-stream.js):
 * what .body of a buffered body gives, taken whole here without loading
 * the streams.
 *
 * provides: lib.IncomingRequest.prototype: text json arrayBuffer bytes blob formData bodyUsed
 * provides: lib.IncomingRequest.prototype: body clone @@toStringTag constructor
 * provides: lib.IncomingRequest.prototype: redirect signal cf keepalive integrity
 * provides: lib.Response.prototype: text json arrayBuffer bytes blob formData bodyUsed body
 * provides: lib.Response.prototype: clone @@toStringTag redirected url type cf
 * provides: lib.Response.prototype: webSocket
 * provides: lib.Response: redirect error
 * provides: global: Request
 * provides: lib: Request takeBody extractBody
 */
function (native, global, lib) {
    "use strict";
    /* lib.Headers and lib.Promise are lazy (their files load on first read):
     * looked up where used, never captured here. */
    var TEXT = "text/plain;charset=UTF-8";
    var decoder = new lib.TextDecoder(), encoder = new lib.TextEncoder();
    var NO_INIT = {};
    var addContentType = lib.addContentType;

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
        } else if (body._ndPending === true) {
            if (body._ndLocked || body._disturbed) {
                throw new TypeError("Failed to construct: the ReadableStream body is locked or "
                                    + "has been read");
            }
            self._stream = body;
            self._body = null;
            self._ctype = null;
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
        } else if (lib.streamsLoaded === true && lib.isStream(body)) {
            if (body.locked || body._disturbed) {
                throw new TypeError("Failed to construct: the ReadableStream body is locked or "
                                    + "has been read");
            }
            self._stream = body;
            self._body = null;
            self._ctype = null;
        } else if (lib.URLSearchParams !== undefined && body instanceof lib.URLSearchParams) {
            self._body = body.toString();
            self._ctype = "application/x-www-form-urlencoded;charset=UTF-8";
        } else {
            self._body = String(body);
            self._ctype = TEXT;
        }
    }

    lib.extractBody = extractBody;

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
        if (r._stream !== null) {
            if (r._stream._ndPending === true) {
                b = lib.takePending(r._stream);
                if (b === null) {
                    throw usedError();
                }
                return b;
            }
            return lib.streamBody(r);
        }
        if (r._bodyUsed) {
            throw usedError();
        }
        if (b !== null) {
            r._bodyUsed = true;
        }
        return b;
    };

    /* The body as a whole through then(b) (b: string | Uint8Array | ""): a
     * Promise. A stream body is read by lazy/streams.js first. */
    function whole(self, then) {
        var b;
        if (self._stream !== null && self._stream._ndPending === true) {
            b = lib.takePending(self._stream);
        } else if (self._stream !== null) {
            return lib.streamBody(self).then(then);
        } else {
            b = consume(self);
        }
        if (b === null) {
            return lib.Promise.reject(usedError());
        }
        try {
            return lib.Promise.resolve(then(b));
        } catch (e) {
            return lib.Promise.reject(e);
        }
    }

    function parseJSON(b) {
        return JSON.parse(bodyText(b));
    }

    function toArrayBuffer(b) {
        var u = toBytes(b);
        return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength);
    }

    function toCopy(b) {
        return copyBytes(toBytes(b));
    }

    /* Declarations, not named function expressions: one of those gets an
     * environment of its own for its name in Duktape (an object per closure). */
    function text() {
        return whole(this, bodyText);
    }
    function json() {
        return whole(this, parseJSON);
    }
    function arrayBuffer() {
        return whole(this, toArrayBuffer);
    }
    function bytes() {
        return whole(this, toCopy);
    }
    function blob() {
        var type = this.headers.get("content-type");
        return whole(this, function (b) {
            lib.require("blob");
            return new lib.Blob([toBytes(b)], { type: type === null ? "" : type });
        });
    }
    function formData() {
        var type = this.headers.get("content-type");
        return whole(this, function (b) {
            return lib.require("blob").parseFormData(toBytes(b), type);
        });
    }
    var Body = { text: text, json: json, arrayBuffer: arrayBuffer, bytes: bytes, blob: blob,
                 formData: formData };

    /* r's Headers, made on first use (lazy/fetch-getters.js) */
    function materialize(r) {
        return lib.materializeHeaders(r);
    }

    function mixBody(proto) {
        var k;
        for (k in Body) {
            lib.define(proto, k, Body[k]);
        }
        lib.getters(proto, {
            bodyUsed: function () {
                return this._stream !== null ? this._stream._disturbed === true
                                             : this._bodyUsed;
            },
            /* A ReadableStream of bytes, made from a buffered body on first
             * read (a BodyStream: the streams load only when it is read as
             * one); null when there is no body. */
            body: function () {
                if (this._stream === null && this._body !== null) {
                    this._stream = new (lib.require("body-stream").BodyStream)(this._body,
                                                                               this._bodyUsed);
                }
                return this._stream;
            }
        });
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
        } else if (src !== null && src._stream !== null) {
            if (src._stream.locked || src._stream._disturbed) {
                throw new TypeError("Failed to construct 'Request': Cannot construct a Request "
                                    + "with a Request object that has already been used.");
            }
            if (this._method === "GET" || this._method === "HEAD") {
                throw new TypeError("Failed to construct 'Request': Request with GET/HEAD "
                                    + "method cannot have body.");
            }
            this._stream = src._stream;
            src._stream = new (lib.require("body-stream").BodyStream)(null, true);
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
    /* The prototype 30-fetch-classes.js gave the incoming request. */
    Request.prototype = lib.IncomingRequest.prototype;
    lib.define(Request.prototype, "constructor", Request);
    mixBody(Request.prototype);
    lib.getters(Request.prototype, {
        redirect: function () { return this._redirect; },
        signal: function () {
            if (this._signal === null) {
                this._signal = new (lib.require("events").AbortSignal)(lib.internal);
            }
            return this._signal;
        },
        /* The incoming request's (raw headers from C): an object, as on
         * Workers, so request.cf.country reads undefined instead of
         * throwing; nanod has no geo, ASN or TLS data to put in it. */
        cf: function () {
            if (this._cf === undefined && this._raw !== undefined) {
                this._cf = {};
            }
            return this._cf;
        },
        keepalive: function () { return false; },
        integrity: function () { return ""; }
    });
    lib.define(Request.prototype, "clone", function clone() {
        var r;
        if (this.bodyUsed) {
            throw new TypeError("Failed to execute 'clone' on 'Request': Request body is "
                                + "already used");
        }
        r = Object.create(Request.prototype);
        teeInto(this, r);
        r._method = this._method;
        r._url = this._url;
        r._headers = lib.headersFromList(materialize(this)._list.slice(), this._headers._guard);
        copyOwn(this, r, ["_body", "_ctype", "_redirect", "_signal", "_cf"]);
        return r;
    });
    Object.defineProperty(Request.prototype, Symbol.toStringTag, {
        value: "Request", configurable: true
    });

    /* clone() of a body that is a stream: both get a branch of its tee(). */
    function teeInto(from, to) {
        var s = from._stream, t;
        /* Fetch: a locked or disturbed body is unusable, whether it is a
         * stream or a buffered body made a stream in place (which keeps its
         * bytes in _ndBody: they must not reach the clone). */
        if (s !== null && (s.locked || s._disturbed)) {
            throw new TypeError("Failed to execute 'clone': the body is already used");
        }
        if (s !== null && s._ndBody !== undefined) {
            /* a buffered body, untouched: the clone gets its own over it */
            to._stream = new (lib.require("body-stream").BodyStream)(s._ndBody, false);
        } else if (s !== null) {
            t = s.tee();
            from._stream = t[0];
            to._stream = t[1];
        }
    }

    function copyOwn(from, to, keys) {
        var i, k;
        for (i = 0; i < keys.length; i++) {
            k = keys[i];
            if (Object.prototype.hasOwnProperty.call(from, k)) {
                to[k] = from[k];
            }
        }
    }

    /* --- Response --------------------------------------------------------- */

    var Response = lib.Response;
    mixBody(Response.prototype);
    lib.getters(Response.prototype, {
        redirected: function () { return this._redirected; },
        url: function () { return this._url; },
        type: function () { return this._type; },
        cf: function () { return this._cf; },
        webSocket: function () { return null; }
    });
    lib.define(Response.prototype, "clone", function clone() {
        var r;
        if (this.bodyUsed) {
            throw new TypeError("Failed to execute 'clone' on 'Response': Response body is "
                                + "already used");
        }
        r = Object.create(Response.prototype);
        teeInto(this, r);
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

    lib.define(global, "Request", Request);
    lib.Request = Request;
}
