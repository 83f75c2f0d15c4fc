/*
 * Promise (ES2015 + allSettled/any/finally), Promises/A+ compliant, on the
 * microtask queue of 00-core.js. No async machinery of its own: C drains.
 */
function (native, global, lib) {
    "use strict";
    var PENDING = 0, FULFILLED = 1, REJECTED = 2;
    var enqueue = lib.enqueue;

    function isObj(x) {
        return x !== null && (typeof x === "object" || typeof x === "function");
    }

    function Promise(executor) {
        if (!(this instanceof Promise)) {
            throw new TypeError("Promise constructor cannot be invoked without 'new'");
        }
        if (typeof executor !== "function") {
            throw new TypeError("Promise resolver " + typeof executor + " is not a function");
        }
        this._state = PENDING;
        this._value = undefined;
        this._reactions = null;     /* null, one reaction, or an array */
        var fns = resolvingFunctions(this);
        try {
            executor(fns.resolve, fns.reject);
        } catch (e) {
            fns.reject(e);
        }
    }

    function resolvingFunctions(p) {
        var done = false;
        return {
            resolve: function (v) { if (!done) { done = true; resolve(p, v); } },
            reject: function (r) { if (!done) { done = true; settle(p, REJECTED, r); } }
        };
    }

    function resolve(p, x) {
        var then;
        if (x === p) {
            settle(p, REJECTED, new TypeError("Chaining cycle detected for promise"));
            return;
        }
        if (isObj(x)) {
            try {
                then = x.then;
            } catch (e) {
                settle(p, REJECTED, e);
                return;
            }
            if (typeof then === "function") {
                enqueue(resolveThenableJob, { p: p, x: x, then: then });
                return;
            }
        }
        settle(p, FULFILLED, x);
    }

    function resolveThenableJob(job) {
        var fns = resolvingFunctions(job.p);
        try {
            job.then.call(job.x, fns.resolve, fns.reject);
        } catch (e) {
            fns.reject(e);
        }
    }

    function settle(p, state, value) {
        var r = p._reactions, i;
        if (p._state !== PENDING) {
            return;
        }
        p._state = state;
        p._value = value;
        p._reactions = null;
        if (r === null) {
            return;
        }
        if (r instanceof Array) {
            for (i = 0; i < r.length; i++) {
                schedule(r[i], state, value);
            }
        } else {
            schedule(r, state, value);
        }
    }

    function schedule(reaction, state, value) {
        reaction.state = state;
        reaction.value = value;
        enqueue(reactionJob, reaction);
    }

    function reactionJob(r) {
        var handler = r.state === FULFILLED ? r.onFulfilled : r.onRejected, result;
        if (typeof handler !== "function") {
            if (r.child !== null) {
                if (r.state === FULFILLED) {
                    resolve(r.child, r.value);
                } else {
                    settle(r.child, REJECTED, r.value);
                }
            }
            return;
        }
        try {
            result = handler(r.value);
        } catch (e) {
            if (r.child !== null) {
                settle(r.child, REJECTED, e);
            }
            return;
        }
        if (r.child !== null) {
            resolve(r.child, result);
        }
    }

    /* Internal: then without allocating a child promise (used by C-facing code). */
    function subscribe(p, onFulfilled, onRejected, child) {
        var reaction = { onFulfilled: onFulfilled, onRejected: onRejected, child: child,
                         state: 0, value: undefined };
        if (p._state === PENDING) {
            if (p._reactions === null) {
                p._reactions = reaction;
            } else if (p._reactions instanceof Array) {
                p._reactions.push(reaction);
            } else {
                p._reactions = [p._reactions, reaction];
            }
        } else {
            schedule(reaction, p._state, p._value);
        }
    }

    function newPromiseInternal() {
        var p = Object.create(Promise.prototype);
        p._state = PENDING;
        p._value = undefined;
        p._reactions = null;
        return p;
    }

    function isPromise(x) {
        return x instanceof Promise && x._state !== undefined;
    }

    lib.define(Promise.prototype, "then", function then(onFulfilled, onRejected) {
        var child;
        if (!isPromise(this)) {
            throw new TypeError("Promise.prototype.then called on a non-promise");
        }
        child = newPromiseInternal();
        subscribe(this, onFulfilled, onRejected, child);
        return child;
    });
    lib.define(Promise.prototype, "catch", function (onRejected) {
        return this.then(undefined, onRejected);
    });
    lib.define(Promise.prototype, "finally", function (onFinally) {
        var C = Promise;
        if (typeof onFinally !== "function") {
            return this.then(onFinally, onFinally);
        }
        return this.then(function (v) {
            return C.resolve(onFinally()).then(function () { return v; });
        }, function (e) {
            return C.resolve(onFinally()).then(function () { throw e; });
        });
    });

    function promiseResolve(C, x) {
        if (isPromise(x) && x.constructor === C) {
            return x;
        }
        return new C(function (res) { res(x); });
    }

    lib.define(Promise, "resolve", function (x) {
        return promiseResolve(typeof this === "function" ? this : Promise, x);
    });
    lib.define(Promise, "reject", function (r) {
        var C = typeof this === "function" ? this : Promise;
        return new C(function (res, rej) { rej(r); });
    });

    function toList(iterable) {
        var out = [], it, step;
        if (iterable instanceof Array || (typeof iterable === "object" && iterable !== null
                                           && typeof iterable.length === "number"
                                           && typeof Symbol === "undefined")) {
            return Array.prototype.slice.call(iterable);
        }
        if (typeof iterable === "string") {
            return iterable.split("");
        }
        if (iterable !== null && typeof iterable === "object" && typeof Symbol === "function"
            && Symbol.iterator && typeof iterable[Symbol.iterator] === "function") {
            it = iterable[Symbol.iterator]();
            while (!(step = it.next()).done) {
                out.push(step.value);
            }
            return out;
        }
        if (iterable !== null && typeof iterable === "object" && typeof iterable.length === "number") {
            return Array.prototype.slice.call(iterable);
        }
        throw new TypeError("object is not iterable");
    }

    function combinator(C, iterable, onItem, onEmpty) {
        return new C(function (res, rej) {
            var items = toList(iterable), state = { remaining: items.length, values: [] }, i;
            if (items.length === 0) {
                onEmpty(res, rej, state);
                return;
            }
            for (i = 0; i < items.length; i++) {
                onItem(C.resolve(items[i]), i, state, res, rej);
            }
        });
    }

    lib.define(Promise, "all", function (iterable) {
        return combinator(this, iterable, function (p, i, st, res, rej) {
            p.then(function (v) {
                st.values[i] = v;
                if (--st.remaining === 0) { res(st.values); }
            }, rej);
        }, function (res) { res([]); });
    });
    lib.define(Promise, "allSettled", function (iterable) {
        return combinator(this, iterable, function (p, i, st, res) {
            p.then(function (v) {
                st.values[i] = { status: "fulfilled", value: v };
                if (--st.remaining === 0) { res(st.values); }
            }, function (e) {
                st.values[i] = { status: "rejected", reason: e };
                if (--st.remaining === 0) { res(st.values); }
            });
        }, function (res) { res([]); });
    });
    lib.define(Promise, "race", function (iterable) {
        var C = this;
        return new C(function (res, rej) {
            var items = toList(iterable), i;
            for (i = 0; i < items.length; i++) {
                C.resolve(items[i]).then(res, rej);
            }
        });
    });
    lib.define(Promise, "any", function (iterable) {
        function aggregate(errors) {
            var e = new Error("All promises were rejected");
            e.name = "AggregateError";
            e.errors = errors;
            return e;
        }
        return combinator(this, iterable, function (p, i, st, res, rej) {
            p.then(res, function (e) {
                st.values[i] = e;
                if (--st.remaining === 0) { rej(aggregate(st.values)); }
            });
        }, function (res, rej) { rej(aggregate([])); });
    });

    lib.define(global, "Promise", Promise);
    lib.Promise = Promise;
    lib.isPromise = isPromise;
    lib.subscribe = subscribe;
}
