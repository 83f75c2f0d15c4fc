/*
 * The getters of Request and Response that a framework reads on every
 * request (hono's first request reads request.method, request.url and
 * response.headers, then Headers' has/set: nothing else of these classes),
 * apart from lazy/fetch-classes.js (constructor, body readers, clone...:
 * ~70 KB per heap when loaded) so that reading them loads ~5 KB. Slots:
 * 30-fetch-classes.js. lib.materializeHeaders(r): r's Headers, made on
 * first use (the incoming request's from its raw header block, immutable;
 * the body's content type added). lib.applyInit(r, init): a ResponseInit's
 * status, statusText, headers and cf into r's slots (the Response
 * constructor's, when given an init: a hello heap does not need it).
 *
 * provides: lib.IncomingRequest.prototype: method url headers
 * provides: lib.Response.prototype: headers status statusText ok
 * provides: lib: materializeHeaders applyInit
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

    lib.applyInit = applyInit;
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
