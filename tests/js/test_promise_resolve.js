/* Promise.resolve(x) (lazy/promise.js): a native promise whose constructor
 * is the receiver comes back as is; anything else (a subclass's instance, a
 * promise whose constructor was changed, an object that only looks like one
 * of ours) gets a new promise, as in Node 20. Its fast path tests
 * `x instanceof this && x.constructor === this` once `this` is Promise. */
(function () {
    var eq = T.eq, out = [];
    var pending = new Promise(function () {}), done = Promise.resolve(1);
    var failed = Promise.reject(new Error("r"));
    failed.then(null, function () {});

    eq("a native promise comes back as is",
       [Promise.resolve(pending) === pending, Promise.resolve(done) === done,
        Promise.resolve(failed) === failed], [true, true, true]);

    /* a subclass, ES5 style */
    function Sub(executor) {
        var p = new Promise(executor);
        Object.setPrototypeOf(p, Sub.prototype);
        return p;
    }
    Sub.prototype = Object.create(Promise.prototype);
    Sub.prototype.constructor = Sub;
    Object.setPrototypeOf(Sub, Promise);
    var s = new Sub(function (res) { res(2); });

    var fromSub = Promise.resolve(s);
    eq("a subclass's instance: a new native promise",
       [fromSub === s, fromSub instanceof Promise, fromSub.constructor === Promise],
       [false, true, true]);
    eq("Sub.resolve keeps its own, wraps a native one",
       [Sub.resolve(s) === s, Sub.resolve(done) === done, Sub.resolve(done) instanceof Sub],
       [true, false, true]);

    var renamed = Promise.resolve(3);
    renamed.constructor = Object;
    var fromRenamed = Promise.resolve(renamed);
    eq("a promise whose constructor was changed: a new one", fromRenamed === renamed, false);

    /* has _state and the right constructor, but is not a promise */
    var fake = { _state: 1, constructor: Promise,
                 then: function (res) { res(5); } };
    var fromFake = Promise.resolve(fake);
    eq("a look-alike is a thenable, not returned",
       [fromFake === fake, fromFake instanceof Promise], [false, true]);

    T.async("the values", Promise.all([fromSub, fromRenamed, fromFake]).then(function (v) {
        out.push(v);
        eq("values", v, [2, 3, 5]);
    }));
})();
