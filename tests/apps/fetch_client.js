// Test app for tests/e2e/test_fetch.py: POST a JSON description of fetch() calls,
// get back what happened. {url, init, read, abortAfterMs, stub, n, parallel}
function describe(r, body) {
    var h = [];
    r.headers.forEach(function (v, k) { h.push([k, v]); });
    return { status: r.status, statusText: r.statusText, url: r.url, redirected: r.redirected,
             ok: r.ok, headers: h, setCookie: r.headers.getSetCookie(), body: body };
}

function failure(e) {
    return { error: e && e.name, message: e && e.message };
}

function read(r, how) {
    if (how === "json") { return r.json(); }
    if (how === "arrayBuffer") {
        return r.arrayBuffer().then(function (b) { return b.byteLength; });
    }
    if (how === "none") { return Promise.resolve(null); }
    return r.text();
}

// A minimal AbortSignal stand-in when the runtime has no AbortController.
function Stub() {
    var self = this;
    this.aborted = false;
    this.reason = undefined;
    this.listeners = [];
    this.addEventListener = function (t, f) { if (t === "abort") { self.listeners.push(f); } };
    this.removeEventListener = function () {};
    this.abort = function (reason) {
        self.aborted = true;
        self.reason = reason;
        self.listeners.forEach(function (f) { f(); });
    };
}

function one(spec) {
    var init = spec.init || {}, ctl = null;
    if (spec.abortAfterMs !== undefined || spec.abortBefore) {
        if (typeof AbortController === "function" && !spec.stub) {
            ctl = new AbortController();
            init.signal = ctl.signal;
        } else {
            ctl = new Stub();
            init.signal = ctl;
        }
        if (spec.abortBefore) {
            ctl.abort();
        } else {
            setTimeout(function () { ctl.abort(); }, spec.abortAfterMs);
        }
    }
    if (init.bodyBytes) {
        init.body = new Uint8Array(init.bodyBytes);
        delete init.bodyBytes;
    }
    if (init.bodyParams) {
        init.body = new URLSearchParams(init.bodyParams);
        delete init.bodyParams;
    }
    var t0 = Date.now();
    return fetch(spec.url, init).then(function (r) {
        return read(r, spec.read).then(function (b) {
            var d = describe(r, b);
            d.ms = Date.now() - t0;
            return d;
        });
    }, function (e) {
        var f = failure(e);
        f.ms = Date.now() - t0;
        return f;
    });
}

module.exports = {
    fetch: function (request, env, ctx) {
        return request.json().then(function (spec) {
            var i, all = [];
            if (spec.n) {
                if (spec.parallel) {
                    for (i = 0; i < spec.n; i++) { all.push(one(spec)); }
                    return Promise.all(all);
                }
                var out = [];
                var chain = Promise.resolve();
                for (i = 0; i < spec.n; i++) {
                    chain = chain.then(function () {
                        return one(spec).then(function (x) { out.push(x); });
                    });
                }
                return chain.then(function () { return out; });
            }
            return one(spec);
        }).then(function (result) {
            return new Response(JSON.stringify(result), {
                headers: { "content-type": "application/json" } });
        });
    }
};
