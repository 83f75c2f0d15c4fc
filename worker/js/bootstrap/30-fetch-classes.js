/*
 * Request and Response (Fetch standard), the part every heap needs: the
 * Response constructor, Response.json(), the request C builds
 * (IncomingRequest) and lib.respond(), through which C reads a Response.
 * The rest (the Request constructor, body readers, getters, clone(),
 * Response.redirect/error) is lazy/fetch-classes.js, installed here as lazy
 * accessors: the first read of any of them loads it. Lean representation:
 * internal slots, defaults on the prototype (a `new Response("hi")` owns two
 * properties), Headers built only when read.
 *
 * Slots (shared with fetch() in lazy/fetch.js):
 *   _body      null | string (sent as UTF-8) | Uint8Array (bytes, never mutated)
 *   _ctype     content type implied by the body, or null; added to the header
 *              list when the headers are read (or by C when sending)
 *   _headers   a Headers, or null (no header yet / not materialized)
 *   _bodyUsed  true once read (a buffered body)
 *   _stream    null | a ReadableStream: the body as a stream (lazy/streams.js),
 *              given to the constructor, or a BodyStream (lazy/body-stream.js)
 *              that .body made from a buffered body
 *   Request:   _method, _url (serialized), _raw (the incoming request's header
 *              block, parsed on first read of .headers), _redirect, _signal, _cf
 *   Response:  _status, _statusText, _url, _redirected, _type
 */
function (native, global, lib) {
    "use strict";
    /* lib.Headers and lib.extractBody are lazy (their files load on first
     * read): looked up where used, never captured here. */
    var TEXT = "text/plain;charset=UTF-8";
    var nativeRespond = native.respond, nativeFail = native.fail;

    /* The slots' defaults (C and the hot path read them). */
    function slots(proto) {
        lib.define(proto, "_body", null);
        lib.define(proto, "_ctype", null);
        lib.define(proto, "_headers", null);
        lib.define(proto, "_bodyUsed", false);
        lib.define(proto, "_stream", null);
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

    lib.addContentType = addContentType;

    /* From C: the incoming request. Headers are parsed on first read. */
    function IncomingRequest(method, url, raw, body) {
        this._method = method;
        this._url = url;
        this._raw = raw;
        if (body !== undefined) {
            this._body = body;
        }
    }
    /* Request.prototype (lazy/fetch-classes.js makes it the constructor's). */
    IncomingRequest.prototype = {};
    slots(IncomingRequest.prototype);
    lib.define(IncomingRequest.prototype, "_redirect", "follow");
    lib.define(IncomingRequest.prototype, "_signal", null);
    lib.define(IncomingRequest.prototype, "_cf", undefined);
    lib.IncomingRequest = IncomingRequest;

    /* --- Response -------------------------------------------------------- */

    function nullBodyStatus(s) {
        return s === 101 || s === 103 || s === 204 || s === 205 || s === 304;
    }

    /* The Response constructor's general case (an init, or a body that is not
     * a string); a string body without init is done in C by the constructor
     * itself (native.responseConstructor, bind_http.c: `new Response("text")`
     * paid a JS activation, an instanceof, three closure lookups and a call). */
    function construct(self, body, init) {
        if (init !== undefined && init !== null) {
            lib.applyInit(self, init);      /* lazy/fetch-getters.js */
        }
        if (typeof body === "string") {
            self._body = body;
            self._ctype = TEXT;
        } else if (body !== undefined && body !== null) {
            lib.extractBody(self, body);
        } else {
            return;
        }
        if (nullBodyStatus(self._status)) {
            throw new TypeError("Failed to construct 'Response': Response with null body "
                                + "status cannot have body");
        }
        if (self._headers !== null) {
            addContentType(self);
        }
    }
    var Response = native.responseConstructor({}, construct);
    slots(Response.prototype);
    lib.define(Response.prototype, "_status", 200);
    lib.define(Response.prototype, "_statusText", "");
    lib.define(Response.prototype, "_url", "");
    lib.define(Response.prototype, "_redirected", false);
    lib.define(Response.prototype, "_type", "default");
    lib.define(Response.prototype, "_cf", undefined);
    slots = null;       /* used at boot only: its closure need not stay in the heap */
    /* Response.json's globals, captured: a global is a slow scope lookup. */
    var stringify = JSON.stringify, create = Object.create, responseProto = Response.prototype;
    lib.define(Response, "json", function json(data, init) {
        var body = stringify(data), r;
        if (body === undefined) {
            throw new TypeError("Failed to execute 'json' on 'Response': The data is not "
                                + "JSON serializable");
        }
        if (init === undefined) {
            /* No init (the usual call): a bare Response, its two slots set,
             * without the constructor's checks (nothing for them to check). */
            r = create(responseProto);
            r._body = body;
            r._ctype = "application/json";
            return r;
        }
        r = new Response(null, init);
        if (nullBodyStatus(r._status)) {
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
    /* To C: status, flat header list or null, body, default content type. */
    lib.respond = function (id, r) {
        var h = r._headers;
        if (r._type === "error") {
            nativeFail(id, "TypeError: the fetch handler returned Response.error() (a network "
                        + "error)", "");
            return;
        }
        if (r._stream !== null) {
            (r._stream._ndPending === true ? lib.respondPending : lib.respondStream)(id, r);
            return;
        }
        if (r._bodyUsed) {
            nativeFail(id, "TypeError: the fetch handler returned a Response whose body was "
                        + "already used", "");
            return;
        }
        nativeRespond(id, r._status, h === null ? null : h._list, r._body, r._ctype,
                      r._statusText);
    };

    /* lazy/fetch-classes.js's and fetch-getters.js's members of these (`provides:`; global
     * Request and lib's members: 00-core.js) */
    native.lazyProvide(IncomingRequest.prototype, "lib.IncomingRequest.prototype");
    native.lazyProvide(Response.prototype, "lib.Response.prototype");
    native.lazyProvide(Response, "lib.Response");
    lib.define(global, "Response", Response);
    lib.Response = Response;
}
