/*
 * fetch(input, init): builds a lib.Request, hands plain values to
 * native.fetchStart (worker/fetch.c does the transfer, redirects, limits and
 * the SSRF guard) and resolves with a lib.Response when C calls
 * lib.fetchDone(): when the response's body begins (the body then streams,
 * lazy/streams.js's lib.fetchStream), or with the whole body when it ended
 * first. A body that is a stream is read whole before the upload starts
 * (within memory_limit). Of the AbortSignal it uses only signal.aborted,
 * signal.reason and signal.addEventListener("abort", fn).
 *
 * provides: global: fetch
 * provides: lib: fetch fetchDone
 */
function (native, global, lib) {
    "use strict";
    var Promise = lib.Promise;
    var pending = {}, count = 0, sweepAt = 64, nextId = 1;
    var REDIRECT = { follow: 0, manual: 1, error: 2 }, EMPTY = [];

    function abortError(signal) {
        var e;
        if (signal.reason !== undefined) {
            return signal.reason;
        }
        if (typeof global.DOMException === "function") {
            return new global.DOMException("The operation was aborted.", "AbortError");
        }
        e = new Error("The operation was aborted.");
        e.name = "AbortError";
        return e;
    }

    function sweep() {
        var id;
        for (id in pending) {
            if (!native.fetchPending(+id)) {
                delete pending[id];
                count--;
            }
        }
        sweepAt = count * 2 > 64 ? count * 2 : 64;
    }

    function fetch(input, init) {
        var io = lib.currentRequest;
        if (io === -1) {
            throw new Error("fetch() cannot be called in the global scope (while the script "
                            + "loads): call it from a handler");
        }
        return new Promise(function (resolve, reject) {
            var req, id, signal, mode, body, entry;
            if (typeof input === "string" && init === undefined) {
                /* Fast path, fetch(url): a GET without headers; curl checks the URL. */
                id = nextId++;
                entry = { resolve: resolve, reject: reject, signal: null, onAbort: null,
                          head: false, io: io };
                native.fetchStart(id, io, "GET", input, EMPTY, null, 0);
                pending[id] = entry;
                count++;
                return;
            }
            if (input instanceof lib.Request && init === undefined) {
                req = input;
            } else {
                req = new lib.Request(input, init);
            }
            mode = REDIRECT[req._redirect || "follow"];
            if (mode === undefined) {
                throw new TypeError("fetch: redirect must be \"follow\", \"manual\" or \"error\"");
            }
            signal = req._signal || null;
            if (signal !== null && signal.aborted) {
                throw abortError(signal);
            }
            body = lib.takeBody(req);     /* null | string | Uint8Array | a Promise of one */
            if (body !== null && typeof body === "object" && typeof body.then === "function") {
                body.then(function (b) {
                    var cur = lib.currentRequest;
                    lib.currentRequest = io;
                    try {
                        start(req, b, signal, mode, resolve, reject);
                    } catch (e) {
                        reject(e);
                    }
                    lib.currentRequest = cur;
                }, reject);
                return;
            }
            start(req, body, signal, mode, resolve, reject);
        });
    }

    /* Hands the transfer to C (body: null | string | Uint8Array). */
    function start(req, body, signal, mode, resolve, reject) {
        var id, entry, io = lib.currentRequest;
        if (signal !== null && signal.aborted) {
            throw abortError(signal);
        }
        if (count >= sweepAt) {
            sweep();
        }
        id = nextId++;
        entry = { resolve: resolve, reject: reject, signal: signal, onAbort: null,
                  head: req._method === "HEAD", io: io };
        native.fetchStart(id, io, req._method, req._url, req.headers._list, body, mode);
        pending[id] = entry;
        count++;
        if (signal !== null && typeof signal.addEventListener === "function") {
            entry.onAbort = function () {
                if (pending[id] === entry) {
                    delete pending[id];
                    count--;
                    native.fetchAbort(id);
                    reject(abortError(signal));
                }
            };
            signal.addEventListener("abort", entry.onAbort);
        }
    }
    lib.define(global, "fetch", fetch);
    lib.fetch = fetch;

    /* From C: (id, null, status, statusText, url, redirected, flatHeaders,
     * bytes | null (the body streams), length (-1: unknown), max body bytes
     * read whole) or (id, [errorName, message]). */
    lib.fetchDone = function (id, err, status, statusText, url, redirected, flat, bytes, len,
                              max) {
        var p = pending[id], r, h;
        if (p === undefined) {
            return;
        }
        delete pending[id];
        count--;
        lib.currentRequest = p.io;      /* what runs now belongs to its invocation */
        if (p.onAbort !== null && typeof p.signal.removeEventListener === "function") {
            p.signal.removeEventListener("abort", p.onAbort);
        }
        if (err !== null) {
            p.reject(err[0] === "TypeError" ? new TypeError(err[1]) : new Error(err[1]));
            return;
        }
        h = lib.headersFromList(flat, "immutable");
        r = new lib.Response(null);
        r._status = status;
        r._statusText = statusText;
        r._headers = h;
        r._url = url;
        r._redirected = redirected;
        if (bytes === null) {
            r._stream = lib.require("streams").fetchStream(id, len, max, url);
        } else {
            r._body = (p.head || ((status === 204 || status === 205 || status === 304)
                                  && bytes.length === 0)) ? null : bytes;
        }
        p.resolve(r);
    };
}
