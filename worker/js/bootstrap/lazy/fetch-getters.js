/*
 * The getters of Request and Response that a framework reads on every
 * request (hono's first request reads request.method, request.url and
 * response.headers, then Headers' has/set: nothing else of these classes),
 * apart from lazy/fetch-classes.js (constructor, body readers, clone...:
 * ~70 KB per heap when loaded) so that reading them loads ~5 KB. Slots:
 * 30-fetch-classes.js. lib.materializeHeaders(r): r's Headers, made on
 * first use (the incoming request's from its raw header block, immutable;
 * the body's content type added).
 *
 * provides: lib.IncomingRequest.prototype: method url headers
 * provides: lib.Response.prototype: headers status statusText ok
 * provides: lib: materializeHeaders
 */
function (native, global, lib) {
    "use strict";

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

    function headers() {
        return materialize(this);
    }

    lib.materializeHeaders = materialize;
    lib.getters(lib.IncomingRequest.prototype, {
        method: function () { return this._method; },
        url: function () { return this._url; },
        headers: headers
    });
    lib.getters(lib.Response.prototype, {
        headers: headers,
        status: function () { return this._status; },
        statusText: function () { return this._statusText; },
        ok: function () { return this._status >= 200 && this._status <= 299; }
    });
}
