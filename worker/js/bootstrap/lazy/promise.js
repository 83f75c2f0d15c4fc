/*
 * Promise (ES2015 + allSettled/any/finally), Promises/A+ compliant, on the
 * microtask queue of 00-core.js. No async machinery of its own: C drains.
 *
 * Hot-path notes (Duktape): a closure costs ~2 us (its .prototype cycle is
 * only reclaimed by mark-and-sweep), a bound function ~0.9 us, a plain
 * object ~0.3 us. So the resolving functions are bound functions over one
 * record, then() and Promise.resolve/reject build no closures, and a native
 * promise resolved with a native promise is adopted without calling then().
 *
 * provides: global: Promise AggregateError
 * provides: lib: Promise isPromise subscribe newPromise resolvePromise rejectPromise afterDrain
 */
function (native, global, lib) {
    "use strict";
    /* States (literals below: an outer variable is a slow scope lookup in
     * Duktape): 0 pending, 1 fulfilled, 2 rejected. */
    /* The microtask queue itself (00-core.js's lib.jobs: fn, arg pairs):
     * a push is one call less than lib.enqueue. */
    var jobs = lib.jobs;
    /* Globals are looked up by name through every scope in between (and
     * `undefined` is one): `void 0` and this alias instead. */
    var ArrayCtor = Array;
    var unhandled = lib.unhandled;     /* 00-core.js checks it after a drain */

    function isObj(x) {
        return x !== null && (typeof x === "object" || typeof x === "function");
    }

    function Promise(executor) {
        var rec, res, rej;
        if (!(this instanceof Promise) || this._state !== void 0) {
            throw new TypeError("Promise constructor cannot be invoked without 'new'");
        }
        if (typeof executor !== "function") {
            throw new TypeError("Promise resolver " + (executor === null ? "null"
                                                        : typeof executor)
                                + " is not a function");
        }
        this._state = 0 /* PENDING */;
        this._value = void 0;
        this._reactions = null;     /* null, one reaction, or an array */
        rec = { p: this, done: false };
        res = resolveFn.bind(rec);
        rej = rejectFn.bind(rec);
        try {
            executor(res, rej);
        } catch (e) {
            rej(e);
        }
    }

    /* The resolving functions: `this` is { p, done } shared by the pair. */
    function resolveFn(v) {
        if (!this.done) {
            this.done = true;
            resolve(this.p, v);
        }
    }
    function rejectFn(r) {
        if (!this.done) {
            this.done = true;
            settle(this.p, 2 /* REJECTED */, r);
        }
    }

    /* A pending promise without running an executor. */
    function Internal() {
        this._state = 0 /* PENDING */;
        this._value = void 0;
        this._reactions = null;
    }
    Internal.prototype = Promise.prototype;

    /* The promise then() returns, which is also the reaction of its parent
     * (one object instead of two; _f and _r are the handlers): the parent's
     * _reactions holds it, and when the parent settles, `_value` (unused
     * while it is pending) carries the parent's result to childJob. A
     * reaction record of subscribe() has `state`, a Child has `_state`. */
    function Child(onFulfilled, onRejected, value) {
        this._state = 0 /* PENDING */;
        this._value = value;
        this._reactions = null;
        this._f = onFulfilled;
        this._r = onRejected;
    }
    Child.prototype = Promise.prototype;

    /* A promise fulfilled with v, a value that is not a thenable (what
     * Promise.resolve(1) and an `await` of a non-promise make: one object,
     * no resolve()/settle() calls). */
    function Fulfilled(v) {
        this._state = 1 /* FULFILLED */;
        this._value = v;
        this._reactions = null;
    }
    Fulfilled.prototype = Promise.prototype;

    function resolve(p, x) {
        var then, r;
        if (x === p) {
            settle(p, 2 /* REJECTED */, new TypeError("Chaining cycle detected for promise #<Promise>"));
            return;
        }
        if (x !== null && (typeof x === "object" || typeof x === "function")) {
            try {
                then = x.then;
            } catch (e) {
                settle(p, 2 /* REJECTED */, e);
                return;
            }
            if (then === promiseThen && x instanceof Promise && x._state !== void 0) {
                /* A native promise: adopt its state one job later, like the
                 * spec's NewPromiseResolveThenableJob calling then() would. */
                p._value = x;
                jobs.push(adoptJob, p);
                return;
            }
            if (typeof then === "function") {
                jobs.push(resolveThenableJob, { p: p, x: x, then: then });
                return;
            }
        }
        /* settle(p, FULFILLED, x) inlined (a call and a by-name lookup less
         * on the hot path): its common case, a Child reaction or none */
        if (p._state !== 0 /* PENDING */) {
            return;
        }
        r = p._reactions;
        p._state = 1 /* FULFILLED */;
        p._value = x;
        p._reactions = null;
        if (r !== null) {
            if (r._state !== void 0) {
                r._value = x;
                jobs.push(fulfilledJob, r);
            } else {
                notify(r, 1 /* FULFILLED */, x);
            }
        }
    }

    var resolveWith = resolve;

    function adoptJob(p) {
        var x = p._value;
        p._value = void 0;
        subscribe(x, void 0, void 0, p);
    }

    function resolveThenableJob(job) {
        var rec = { p: job.p, done: false };
        try {
            job.then.call(job.x, resolveFn.bind(rec), rejectFn.bind(rec));
        } catch (e) {
            if (!rec.done) {
                rec.done = true;
                settle(job.p, 2 /* REJECTED */, e);
            }
        }
    }

    function settle(p, state, value) {
        var r = p._reactions;
        if (p._state !== 0 /* PENDING */) {
            return;
        }
        p._state = state;
        p._value = value;
        p._reactions = null;
        if (r === null) {
            if (state === 2 /* REJECTED */) {
                p._unhandled = true;
                unhandled.push(p);
            }
            return;
        }
        if (r._state !== void 0) {    /* a Child: the common case */
            r._value = value;
            jobs.push(state === 1 /* FULFILLED */ ? fulfilledJob : rejectedJob, r);
        } else {
            notify(r, state, value);
        }
    }

    /* The reactions r of a promise just settled: a record of subscribe(),
     * or an array of Childs and records. */
    function notify(r, state, value) {
        var i;
        if (r.state !== void 0) {
            r.state = state;
            r.value = value;
            jobs.push(reactionJob, r);
        } else {
            for (i = 0; i < r.length; i++) {
                schedule(r[i], state, value);
            }
        }
    }

    function schedule(reaction, state, value) {
        if (reaction._state !== void 0) {
            reaction._value = value;
            jobs.push(state === 1 /* FULFILLED */ ? fulfilledJob : rejectedJob, reaction);
            return;
        }
        reaction.state = state;
        reaction.value = value;
        jobs.push(reactionJob, reaction);
    }

    /* A reaction of a Child c: its handler on the parent's result (in
     * c._value), c resolved with what it returns. */
    function fulfilledJob(c) {
        var handler = c._f, v = c._value, result, r;
        /* c._value keeps v until c settles (settle() and an adoption
         * overwrite it) */
        if (typeof handler !== "function") {
            resolve(c, v);
            return;
        }
        try {
            result = handler(v);
        } catch (e) {
            settle(c, 2 /* REJECTED */, e);
            return;
        }
        if (result !== null && (typeof result === "object" || typeof result === "function")) {
            resolve(c, result);
            return;
        }
        /* not a thenable: settle(c, FULFILLED, result), inlined as in resolve() */
        if (c._state !== 0 /* PENDING */) {
            return;
        }
        r = c._reactions;
        c._state = 1 /* FULFILLED */;
        c._value = result;
        c._reactions = null;
        if (r !== null) {
            if (r._state !== void 0) {
                r._value = result;
                jobs.push(fulfilledJob, r);
            } else {
                notify(r, 1 /* FULFILLED */, result);
            }
        }
    }

    function rejectedJob(c) {
        var handler = c._r, v = c._value, result;
        if (typeof handler !== "function") {
            settle(c, 2 /* REJECTED */, v);
            return;
        }
        try {
            result = handler(v);
        } catch (e) {
            settle(c, 2 /* REJECTED */, e);
            return;
        }
        if (result === null || (typeof result !== "object" && typeof result !== "function")) {
            settle(c, 1 /* FULFILLED */, result);
        } else {
            resolve(c, result);
        }
    }

    /* Adds reaction r (a Child or a record) to pending promise p. */
    function addReaction(p, r) {
        var list = p._reactions;
        if (list === null) {
            p._reactions = r;
        } else if (list._state === void 0 && list.state === void 0) {     /* an array */
            list.push(r);
        } else {
            p._reactions = [list, r];
        }
    }

    function reactionJob(r) {
        var handler = r.state === 1 /* FULFILLED */ ? r.onFulfilled : r.onRejected, result;
        if (typeof handler !== "function") {
            if (r.child !== null) {
                if (r.state === 1 /* FULFILLED */) {
                    resolve(r.child, r.value);
                } else {
                    settle(r.child, 2 /* REJECTED */, r.value);
                }
            }
            return;
        }
        try {
            result = handler(r.value);
        } catch (e) {
            if (r.child !== null) {
                settle(r.child, 2 /* REJECTED */, e);
            }
            return;
        }
        if (r.child === null) {
            return;
        }
        if (result === null || (typeof result !== "object" && typeof result !== "function")) {
            settle(r.child, 1 /* FULFILLED */, result);     /* not a thenable: no resolve() */
        } else {
            resolve(r.child, result);
        }
    }

    /* then() without a new promise when child is null (C-facing code). */
    function subscribe(p, onFulfilled, onRejected, child) {
        /* A literal: its property table is allocated at once. */
        var reaction = { onFulfilled: onFulfilled, onRejected: onRejected, child: child,
                         state: 0, value: void 0 };
        if (p._state === 0 /* PENDING */) {
            addReaction(p, reaction);
        } else {
            /* _unhandled exists on rejected promises only (a read of a
             * missing property walks the whole prototype chain) */
            if (p._state === 2 /* REJECTED */ && p._unhandled === true) {
                p._unhandled = false;
            }
            reaction.state = p._state;
            reaction.value = p._value;
            jobs.push(reactionJob, reaction);
        }
    }

    function isPromise(x) {
        return x instanceof Promise && x._state !== void 0;
    }

    function promiseThen(onFulfilled, onRejected) {
        var child, C;
        /* Only a promise has _state (instanceof is a lookup of
         * Symbol.hasInstance and of prototype first: the hot path's
         * costliest test). */
        if (this === null || typeof this !== "object" || this._state === void 0) {
            throw new TypeError("Method Promise.prototype.then called on incompatible receiver");
        }
        C = this.constructor;
        if (C === Promise || C === void 0 || typeof C !== "function") {
            if (this._state === 0 /* PENDING */) {
                child = new Child(onFulfilled, onRejected, void 0);
                if (this._reactions === null) {
                    this._reactions = child;
                } else {
                    addReaction(this, child);
                }
            } else if (this._state === 1 /* FULFILLED */) {
                child = new Child(onFulfilled, onRejected, this._value);
                jobs.push(fulfilledJob, child);
            } else {
                if (this._unhandled === true) {
                    this._unhandled = false;
                }
                child = new Child(onFulfilled, onRejected, this._value);
                jobs.push(rejectedJob, child);
            }
            return child;
        }
        /* A subclass (species): its own capability. */
        return thenWith(this, C, onFulfilled, onRejected);
    }

    function thenWith(p, C, onFulfilled, onRejected) {
        var cap = capability(C);
        subscribe(p, function (v) {
            var r;
            if (typeof onFulfilled !== "function") {
                cap.resolve(v);
                return;
            }
            try {
                r = onFulfilled(v);
            } catch (e) {
                cap.reject(e);
                return;
            }
            cap.resolve(r);
        }, function (e) {
            var r;
            if (typeof onRejected !== "function") {
                cap.reject(e);
                return;
            }
            try {
                r = onRejected(e);
            } catch (e2) {
                cap.reject(e2);
                return;
            }
            cap.resolve(r);
        }, null);
        return cap.promise;
    }

    /* NewPromiseCapability(C) */
    function capability(C) {
        var cap = { promise: void 0, resolve: void 0, reject: void 0 };
        if (typeof C !== "function") {
            throw new TypeError("Promise capability: not a constructor");
        }
        cap.promise = new C(function (res, rej) {
            if (cap.resolve !== void 0 || cap.reject !== void 0) {
                throw new TypeError("Promise executor has already been invoked");
            }
            cap.resolve = res;
            cap.reject = rej;
        });
        if (typeof cap.resolve !== "function" || typeof cap.reject !== "function") {
            throw new TypeError("Promise resolve or reject function is not callable");
        }
        return cap;
    }

    lib.define(Promise.prototype, "then", promiseThen);
    lib.define(Promise.prototype, "catch", function (onRejected) {
        return this.then(void 0, onRejected);
    });
    lib.define(Promise.prototype, "finally", function (onFinally) {
        var C = (this !== null && typeof this === "object" && typeof this.constructor
                 === "function") ? this.constructor : Promise;
        if (typeof onFinally !== "function") {
            return this.then(onFinally, onFinally);
        }
        return this.then(function (v) {
            return promiseResolve(C, onFinally()).then(function () { return v; });
        }, function (e) {
            return promiseResolve(C, onFinally()).then(function () { throw e; });
        });
    });
    if (typeof Symbol === "function" && Symbol.toStringTag) {
        Object.defineProperty(Promise.prototype, Symbol.toStringTag, {
            value: "Promise", configurable: true
        });
    }

    function promiseResolve(C, x) {
        var p;
        if (x instanceof Promise && x._state !== void 0 && x.constructor === C) {
            return x;
        }
        if (C === Promise) {
            if (x === null || (typeof x !== "object" && typeof x !== "function")) {
                return new Fulfilled(x);
            }
            p = new Internal();
            resolve(p, x);
            return p;
        }
        p = capability(C);
        p.resolve(x);
        return p.promise;
    }

    lib.define(Promise, "resolve", function resolve(x) {
        var p;
        if (this === Promise) {     /* the common case, without a call */
            if (x === null || (typeof x !== "object" && typeof x !== "function")) {
                return new Fulfilled(x);
            }
            /* the cheap test first (instanceof walks the prototype chain);
             * `this` is Promise here, and a register (`Promise` is a by-name
             * lookup through the scopes) */
            if (x._state !== void 0 && x instanceof this && x.constructor === this) {
                return x;
            }
            p = new Internal();
            resolveWith(p, x);      /* `resolve` is this function, here */
            return p;
        }
        if (!isObj(this)) {
            throw new TypeError("PromiseResolve called on non-object");
        }
        return promiseResolve(this, x);
    });
    lib.define(Promise, "reject", function reject(r) {
        var p;
        if (this === Promise) {
            p = new Internal();
            settle(p, 2 /* REJECTED */, r);
            return p;
        }
        p = capability(this);
        p.reject(r);
        return p.promise;
    });

    function toList(iterable) {
        var out = [], it, step;
        if (iterable instanceof ArrayCtor) {
            return iterable;
        }
        if (typeof iterable === "string") {
            return iterable.split("");
        }
        if (isObj(iterable) && typeof iterable[Symbol.iterator] === "function") {
            it = iterable[Symbol.iterator]();
            while (!(step = it.next()).done) {
                out.push(step.value);
            }
            return out;
        }
        throw new TypeError((iterable === null ? "null" : typeof iterable)
                            + " is not iterable (cannot read property Symbol(Symbol.iterator))");
    }

    /* The shared frame of Promise.all/allSettled/any: onItem(C, x, i, st). */
    function combinator(C, iterable, onItem, onEmpty) {
        var cap = capability(C), items, st, i;
        try {
            items = toList(iterable);
            st = { remaining: 1, values: [], cap: cap };
            for (i = 0; i < items.length; i++) {
                st.remaining++;
                st.values.push(void 0);
                onItem(C.resolve(items[i]), i, st);
            }
            if (--st.remaining === 0) {
                onEmpty(st);
            }
        } catch (e) {
            cap.reject(e);
        }
        return cap.promise;
    }

    function done(st) {
        st.cap.resolve(st.values);
    }

    lib.define(Promise, "all", function all(iterable) {
        return combinator(this, iterable, function (p, i, st) {
            p.then(function (v) {
                st.values[i] = v;
                if (--st.remaining === 0) { done(st); }
            }, st.cap.reject);
        }, done);
    });
    lib.define(Promise, "allSettled", function allSettled(iterable) {
        return combinator(this, iterable, function (p, i, st) {
            p.then(function (v) {
                st.values[i] = { status: "fulfilled", value: v };
                if (--st.remaining === 0) { done(st); }
            }, function (e) {
                st.values[i] = { status: "rejected", reason: e };
                if (--st.remaining === 0) { done(st); }
            });
        }, done);
    });
    lib.define(Promise, "any", function any(iterable) {
        function fail(st) {
            st.cap.reject(new AggregateError(st.values, "All promises were rejected"));
        }
        return combinator(this, iterable, function (p, i, st) {
            p.then(st.cap.resolve, function (e) {
                st.values[i] = e;
                if (--st.remaining === 0) { fail(st); }
            });
        }, fail);
    });
    lib.define(Promise, "race", function race(iterable) {
        var cap = capability(this), items, i;
        try {
            items = toList(iterable);
            for (i = 0; i < items.length; i++) {
                this.resolve(items[i]).then(cap.resolve, cap.reject);
            }
        } catch (e) {
            cap.reject(e);
        }
        return cap.promise;
    });

    function AggregateError(errors, message) {
        var e;
        if (!(this instanceof AggregateError)) {
            return new AggregateError(errors, message);
        }
        e = new Error(message === void 0 ? "" : String(message));
        lib.define(this, "message", e.message);
        lib.define(this, "errors", toList(errors).slice());
        if (e.stack !== void 0) {
            lib.define(this, "stack", e.stack);
        }
    }
    AggregateError.prototype = Object.create(Error.prototype);
    lib.define(AggregateError.prototype, "constructor", AggregateError);
    lib.define(AggregateError.prototype, "name", "AggregateError");
    if (typeof global.AggregateError !== "function") {
        lib.define(global, "AggregateError", AggregateError);
    }

    /* After a drain (00-core.js): rejections nobody handled, logged like an
     * uncaught error. */
    lib.afterDrain = function () {
        var list = unhandled.splice(0, unhandled.length), i, p;
        for (i = 0; i < list.length; i++) {
            p = list[i];
            if (p._unhandled === true) {
                p._unhandled = false;
                lib.reportError(p._value, "Uncaught (in promise)");
            }
        }
    };

    lib.define(global, "Promise", Promise);
    lib.Promise = Promise;
    lib.isPromise = isPromise;
    lib.subscribe = subscribe;
    lib.newPromise = function () { return new Internal(); };
    lib.resolvePromise = resolve;
    lib.rejectPromise = function (p, e) { settle(p, 2 /* REJECTED */, e); };
}
