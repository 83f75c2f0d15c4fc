// Promises/A+ (npm promises-aplus-tests) inside a real nanod heap, with our
// Promise, microtask queue and setTimeout. tests/js/run_aplus.py appends the
// package's test files as MODULES["name"] = function (module, exports, require)
// and serves this as an app; GET /run?file=2.2.1 runs that file's tests (one
// after the other, each with a timeout, like mocha) and answers
// {"passed": n, "failed": [{"name": ..., "error": ...}]}.
var MODULES = {};
var TEST_TIMEOUT_MS = 2000;

/* --- node's assert, the part the suite uses ------------------------------- */
function AssertionError(msg) {
    this.name = "AssertionError";
    this.message = msg;
}
AssertionError.prototype = Object.create(Error.prototype);
function show(v) {
    try { return typeof v === "string" ? JSON.stringify(v) : String(v); } catch (e) { return "?"; }
}
function assert(v, m) {
    if (!v) { throw new AssertionError(m || show(v) + " is not truthy"); }
}
assert.ok = assert;
assert.strictEqual = function (a, b, m) {
    if (a !== b) { throw new AssertionError(m || show(a) + " !== " + show(b)); }
};
assert.notStrictEqual = function (a, b, m) {
    if (a === b) { throw new AssertionError(m || show(a) + " === " + show(b)); }
};
assert.equal = function (a, b, m) {
    if (a != b) { throw new AssertionError(m || show(a) + " != " + show(b)); }
};

/* --- sinon, the part the suite uses ---------------------------------------- */
var callSeq = 0;
function makeSpy(fn) {
    var spy = function () {
        spy.calls.push({ args: Array.prototype.slice.call(arguments), seq: ++callSeq });
        spy.called = true;
        spy.callCount++;
        if (spy._throws !== undefined) { throw spy._throws; }
        if (spy._returns.set) { return spy._returns.value; }
        return fn ? fn.apply(this, arguments) : undefined;
    };
    spy.calls = [];
    spy.called = false;
    spy.callCount = 0;
    spy._returns = { set: false };
    spy.returns = function (v) { spy._returns = { set: true, value: v }; return spy; };
    spy.throws = function (e) { spy._throws = e; return spy; };
    return spy;
}
function matches(w, g) {
    return (w !== null && typeof w === "object" && "same" in w) ? g === w.same : g === w;
}
var sinon = {
    spy: function (fn) { return makeSpy(fn); },
    stub: function () { return makeSpy(); },
    match: { same: function (v) { return { same: v }; } },
    assert: {
        calledWith: function (spy) {
            var want = Array.prototype.slice.call(arguments, 1), i, j, ok;
            for (i = 0; i < spy.calls.length; i++) {
                ok = true;
                for (j = 0; j < want.length; j++) {
                    if (!matches(want[j], spy.calls[i].args[j])) { ok = false; }
                }
                if (ok) { return; }
            }
            throw new AssertionError("expected the spy to be called with the arguments");
        },
        notCalled: function (spy) {
            if (spy.called) { throw new AssertionError("expected the spy not to be called"); }
        },
        callOrder: function () {
            var last = 0, i;
            for (i = 0; i < arguments.length; i++) {
                if (!arguments[i].called || arguments[i].calls[0].seq < last) {
                    throw new AssertionError("spies not called in order");
                }
                last = arguments[i].calls[0].seq;
            }
        }
    }
};

/* --- CommonJS require ------------------------------------------------------- */
var cache = {};
function requireFrom(name) {
    var m;
    if (name === "assert") { return assert; }
    if (name === "sinon") { return sinon; }
    name = name.replace(/^\.\//, "").replace(/\.js$/, "");
    if (cache[name] === undefined) {
        if (typeof MODULES[name] !== "function") { throw new Error("no module " + name); }
        m = { exports: {} };
        cache[name] = m;
        MODULES[name](m, m.exports, requireFrom);
    }
    return cache[name].exports;
}

/* --- adapter ---------------------------------------------------------------- */
globalThis.global = globalThis;
globalThis.adapter = {
    resolved: function (v) { return Promise.resolve(v); },
    rejected: function (r) { return Promise.reject(r); },
    deferred: function () {
        var d = {};
        d.promise = new Promise(function (res, rej) { d.resolve = res; d.reject = rej; });
        return d;
    }
};

/* --- mini mocha: describe/specify/it, beforeEach/afterEach, done, timeouts;
 * tests run one after the other (hooks share variables, like in mocha). --- */
var collected = null, prefix = [], hooks = [{ before: [], after: [] }];
globalThis.describe = function (name, fn) {
    prefix.push(name);
    hooks.push({ before: [], after: [] });
    try { fn(); } finally { prefix.pop(); hooks.pop(); }
};
globalThis.beforeEach = function (fn) { hooks[hooks.length - 1].before.push(fn); };
globalThis.afterEach = function (fn) { hooks[hooks.length - 1].after.unshift(fn); };
globalThis.specify = globalThis.it = function (name, fn) {
    var before = [], after = [], i;
    for (i = 0; i < hooks.length; i++) {
        before = before.concat(hooks[i].before);
        after = hooks[i].after.concat(after);
    }
    collected.push({ name: prefix.concat([name]).join(" "), fn: fn, before: before,
                     after: after, error: null });
};

function runOne(t) {
    return new Promise(function (resolve) {
        var finished = false, timer;
        function finish(err) {
            if (finished) {
                return;
            }
            finished = true;
            clearTimeout(timer);
            try {
                t.after.forEach(function (h) { h(); });
            } catch (e) {
                err = err === undefined ? e : err;
            }
            if (err !== undefined && t.error === null) {
                t.error = String((err && err.message) || err);
            }
            resolve();
        }
        timer = setTimeout(function () {
            finish("timeout of " + TEST_TIMEOUT_MS + "ms exceeded");
        }, TEST_TIMEOUT_MS);
        try {
            t.before.forEach(function (h) { h(); });
            if (t.fn.length > 0) {
                t.fn(function (err) {
                    if (finished) {
                        /* mocha reports a late or second done() too */
                        if (t.error === null) { t.error = "done() called multiple times"; }
                        return;
                    }
                    finish(err === undefined || err === null ? undefined : err);
                });
            } else {
                t.fn();
                finish(undefined);
            }
        } catch (e) {
            finish(e);
        }
    });
}

function runAll(tests) {
    var i = 0;
    function next() {
        if (i >= tests.length) {
            return Promise.resolve();
        }
        return runOne(tests[i++]).then(next);
    }
    return next();
}

module.exports = {
    fetch: function (request) {
        var file = new URL(request.url).searchParams.get("file"), tests;
        collected = [];
        try {
            requireFrom(file);
        } catch (e) {
            return new Response("cannot load " + file + ": " + e.stack, { status: 500 });
        }
        tests = collected;
        collected = null;
        return runAll(tests).then(function () {
            /* a moment for late done() calls of the last tests */
            return new Promise(function (r) { setTimeout(r, 50); });
        }).then(function () {
            var out = { passed: 0, failed: [] };
            tests.forEach(function (t) {
                if (t.error === null) {
                    out.passed++;
                } else {
                    out.failed.push({ name: t.name, error: t.error });
                }
            });
            return Response.json(out);
        });
    }
};
