/*
 * BodyStream: what Request/Response .body gives for a buffered body (a
 * string or bytes: lazy/fetch-classes.js's slots), a ReadableStream still
 * waiting to be one. It holds the buffer (_ndBody) and the stream's state
 * (_disturbed, locked). Taken whole (text()/json()..., `new Response(it)`
 * then sent, fetch()'s upload: lib.takePending, lib.respondPending) it never
 * loads lazy/streams.js and its polyfill (+700 KB per heap): hono's
 * `new Response(c.res.body, c.res)` costs nothing. Any other use (getReader,
 * pipeTo, pipeThrough, tee, cancel, values, async iteration, any member it
 * lacks) loads the streams and makes it a real ReadableStream in place
 * first (lazy/streams.js's lib.upgradeBody), so it is one as far as the app
 * can tell: `instanceof ReadableStream` holds (its prototype joins
 * ReadableStream.prototype when the streams load), and a body used once
 * stays used. Loaded by lib.require("body-stream") (fetch-classes.js).
 *
 * provides: none
 */
function (native, global, lib) {
    "use strict";

    function BodyStream(b, used) {
        this._ndBody = b;
        if (used) {
            this._disturbed = true;
            this._ndLocked = true;
        }
    }
    var BS = {};
    BodyStream.prototype = BS;
    lib.define(BS, "_ndPending", true);
    lib.define(BS, "_disturbed", false);
    lib.define(BS, "_ndLocked", false);
    lib.getters(BS, {
        locked: function () { return this._ndLocked; },
        constructor: function () { return lib.require("streams").ReadableStream; }
    });
    /* Until the streams load, a member it lacks loads them (and they give it
     * ReadableStream.prototype's members, each upgrading it first). */
    if (lib.streamsLoaded === true) {
        lib.adoptBodyStream(BS);
    } else {
        native.lazyInterpose(BS, "streams");
    }
    lib.BodyStream = BodyStream;
    lib.takePending = takePending;

    /* s's buffer, s now locked and read; null when it was used already. */
    function takePending(s) {
        if (s._disturbed || s._ndLocked) {
            return null;
        }
        s._disturbed = true;
        s._ndLocked = true;
        return s._ndBody;
    }

    /* lib.respond's part for a BodyStream body: the buffer goes to C as is. */
    lib.respondPending = function (id, r) {
        var s = r._stream, h = r._headers, b = takePending(s);
        if (b === null) {
            native.fail(id, "TypeError: the fetch handler returned a Response whose body stream "
                        + "is already " + (s._ndLocked ? "locked" : "read"), "");
            return;
        }
        native.respond(id, r._status, h === null ? null : h._list, b, r._ctype, r._statusText);
    };
}
