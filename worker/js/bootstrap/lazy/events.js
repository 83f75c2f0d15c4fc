/*
 * Event, CustomEvent, EventTarget, AbortController, AbortSignal (DOM
 * standard, no tree: events go to their target only), loaded on first use.
 * fetch() relies on signal.aborted, signal.reason and
 * signal.addEventListener("abort", fn).
 *
 * provides: global: Event EventTarget AbortController AbortSignal CustomEvent
 */
function (native, global, lib) {
    "use strict";
    var NONE = 0, AT_TARGET = 2;

    function need(n, args, cls, method) {
        if (args.length < n) {
            throw new TypeError("Failed to " + (method ? "execute '" + method + "' on '" + cls
                                                         + "'" : "construct '" + cls + "'")
                                + ": " + n + " argument" + (n > 1 ? "s" : "")
                                + " required, but only " + args.length + " present.");
        }
    }

    function Event(type, init) {
        if (!(this instanceof Event)) {
            throw new TypeError("Failed to construct 'Event': Please use the 'new' operator, "
                                + "this DOM object constructor cannot be called as a function.");
        }
        need(1, arguments, "Event");
        init = init || {};
        this._type = String(type);
        this._bubbles = !!init.bubbles;
        this._cancelable = !!init.cancelable;
        this._composed = !!init.composed;
        this._canceled = false;
        this._stop = false;
        this._stopNow = false;
        this._target = null;
        this._current = null;
        this._phase = NONE;
        this._dispatching = false;
        this._passive = false;
        this._time = Date.now();
    }
    lib.getters(Event.prototype, {
        type: function () { return this._type; },
        bubbles: function () { return this._bubbles; },
        cancelable: function () { return this._cancelable; },
        composed: function () { return this._composed; },
        defaultPrevented: function () { return this._canceled; },
        target: function () { return this._target; },
        srcElement: function () { return this._target; },
        currentTarget: function () { return this._current; },
        eventPhase: function () { return this._phase; },
        isTrusted: function () { return false; },
        timeStamp: function () { return this._time; },
        returnValue: function () { return !this._canceled; },
        cancelBubble: function () { return this._stop; }
    });
    lib.define(Event.prototype, "preventDefault", function preventDefault() {
        if (this._cancelable && !this._passive) {
            this._canceled = true;
        }
    });
    lib.define(Event.prototype, "stopPropagation", function stopPropagation() {
        this._stop = true;
    });
    lib.define(Event.prototype, "stopImmediatePropagation", function () {
        this._stop = true;
        this._stopNow = true;
    });
    lib.define(Event.prototype, "composedPath", function composedPath() {
        return this._dispatching && this._current !== null ? [this._current] : [];
    });
    Event.NONE = Event.prototype.NONE = 0;
    Event.CAPTURING_PHASE = Event.prototype.CAPTURING_PHASE = 1;
    Event.AT_TARGET = Event.prototype.AT_TARGET = 2;
    Event.BUBBLING_PHASE = Event.prototype.BUBBLING_PHASE = 3;
    Object.defineProperty(Event.prototype, Symbol.toStringTag, {
        value: "Event", configurable: true
    });

    function CustomEvent(type, init) {
        if (!(this instanceof CustomEvent)) {
            throw new TypeError("Failed to construct 'CustomEvent': Please use the 'new' "
                                + "operator, this DOM object constructor cannot be called as "
                                + "a function.");
        }
        need(1, arguments, "CustomEvent");
        Event.call(this, type, init);
        this._detail = init && init.detail !== undefined ? init.detail : null;
    }
    CustomEvent.prototype = Object.create(Event.prototype);
    lib.define(CustomEvent.prototype, "constructor", CustomEvent);
    lib.getters(CustomEvent.prototype, {
        detail: function () { return this._detail; }
    });

    function flatten(options) {
        if (typeof options === "boolean") {
            return { capture: options, once: false, passive: false, signal: null };
        }
        if (options === null || typeof options !== "object") {
            return { capture: false, once: false, passive: false, signal: null };
        }
        return { capture: !!options.capture, once: !!options.once, passive: !!options.passive,
                 signal: options.signal === undefined ? null : options.signal };
    }

    function EventTarget() {
        if (!(this instanceof EventTarget)) {
            throw new TypeError("Failed to construct 'EventTarget': Please use the 'new' "
                                + "operator, this DOM object constructor cannot be called as "
                                + "a function.");
        }
        lib.define(this, "_listeners", {});
    }
    function listenersOf(t) {
        if (!Object.prototype.hasOwnProperty.call(t, "_listeners")) {
            lib.define(t, "_listeners", {});
        }
        return t._listeners;
    }
    lib.define(EventTarget.prototype, "addEventListener", function addEventListener(type,
                                                                                    callback,
                                                                                    options) {
        var o = flatten(options), all, list, i, entry, self = this;
        need(2, arguments, "EventTarget", "addEventListener");
        if (callback === null || callback === undefined) {
            return;
        }
        if (typeof callback !== "function" && typeof callback !== "object") {
            throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': The "
                                + "callback provided as parameter 2 is not an object.");
        }
        if (o.signal !== null && !(o.signal instanceof AbortSignal)) {
            throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': "
                                + "member signal is not of type AbortSignal.");
        }
        if (o.signal !== null && o.signal._aborted) {
            return;
        }
        type = String(type);
        all = listenersOf(this);
        list = Object.prototype.hasOwnProperty.call(all, type) ? all[type] : (all[type] = []);
        for (i = 0; i < list.length; i++) {
            if (list[i].callback === callback && list[i].capture === o.capture) {
                return;
            }
        }
        entry = { callback: callback, capture: o.capture, once: o.once, passive: o.passive,
                  removed: false };
        list.push(entry);
        if (o.signal !== null) {
            o.signal.addEventListener("abort", function () {
                self.removeEventListener(type, callback, { capture: entry.capture });
            });
        }
    });
    lib.define(EventTarget.prototype, "removeEventListener", function removeEventListener(
        type, callback, options) {
        var o = flatten(options), all = listenersOf(this), list, i;
        need(2, arguments, "EventTarget", "removeEventListener");
        type = String(type);
        if (!Object.prototype.hasOwnProperty.call(all, type)) {
            return;
        }
        list = all[type];
        for (i = 0; i < list.length; i++) {
            if (list[i].callback === callback && list[i].capture === o.capture) {
                list[i].removed = true;
                list.splice(i, 1);
                return;
            }
        }
    });
    lib.define(EventTarget.prototype, "dispatchEvent", function dispatchEvent(event) {
        need(1, arguments, "EventTarget", "dispatchEvent");
        if (!(event instanceof Event)) {
            throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter "
                                + "1 is not of type 'Event'.");
        }
        if (event._dispatching) {
            throw lib.domException("Failed to execute 'dispatchEvent' on 'EventTarget': The "
                                   + "event is already being dispatched.", "InvalidStateError");
        }
        return dispatch(this, event);
    });

    function dispatch(target, event) {
        var all = listenersOf(target), list, i, l, handler;
        event._dispatching = true;
        event._target = target;
        event._current = target;
        event._phase = AT_TARGET;
        list = Object.prototype.hasOwnProperty.call(all, event._type)
            ? all[event._type].slice() : [];
        /* The on<type> attribute (onabort) runs in order with the others. */
        for (i = 0; i < list.length && !event._stopNow; i++) {
            l = list[i];
            if (l.removed) {
                continue;
            }
            if (l.once) {
                target.removeEventListener(event._type, l.callback, { capture: l.capture });
            }
            event._passive = l.passive;
            try {
                if (typeof l.callback === "function") {
                    l.callback.call(target, event);
                } else {
                    handler = l.callback.handleEvent;
                    if (typeof handler !== "function") {
                        throw new TypeError("The listener has no handleEvent method");
                    }
                    handler.call(l.callback, event);
                }
            } catch (e) {
                lib.reportError(e, "uncaught exception in an event listener");
            }
            event._passive = false;
        }
        event._dispatching = false;
        event._current = null;
        event._phase = NONE;
        event._stop = false;
        event._stopNow = false;
        return !event._canceled;
    }
    Object.defineProperty(EventTarget.prototype, Symbol.toStringTag, {
        value: "EventTarget", configurable: true
    });

    /* --- AbortSignal / AbortController --------------------------------------- */

    function AbortSignal(token) {
        if (token !== lib.internal) {
            throw new TypeError("Failed to construct 'AbortSignal': Illegal constructor");
        }
        EventTarget.call(this);
        this._aborted = false;
        this._reason = undefined;
        this._onabort = null;
        this._dependents = null;
    }
    AbortSignal.prototype = Object.create(EventTarget.prototype);
    lib.define(AbortSignal.prototype, "constructor", AbortSignal);
    lib.getters(AbortSignal.prototype, {
        aborted: function () { return this._aborted; },
        reason: function () { return this._reason; }
    });
    Object.defineProperty(AbortSignal.prototype, "onabort", {
        get: function () { return this._onabort; },
        set: function (fn) {
            if (this._onabort !== null) {
                this.removeEventListener("abort", this._onabortWrapper);
            }
            this._onabort = typeof fn === "function" ? fn : null;
            if (this._onabort !== null) {
                var self = this;
                this._onabortWrapper = function (e) { return self._onabort.call(self, e); };
                this.addEventListener("abort", this._onabortWrapper);
            }
        },
        enumerable: true, configurable: true
    });
    lib.define(AbortSignal.prototype, "throwIfAborted", function throwIfAborted() {
        if (this._aborted) {
            throw this._reason;
        }
    });
    Object.defineProperty(AbortSignal.prototype, Symbol.toStringTag, {
        value: "AbortSignal", configurable: true
    });

    function abortError() {
        return lib.domException("This operation was aborted", "AbortError");
    }

    function signalAbort(signal, reason) {
        var deps, i;
        if (signal._aborted) {
            return;
        }
        signal._aborted = true;
        signal._reason = reason === undefined ? abortError() : reason;
        dispatch(signal, new Event("abort"));
        deps = signal._dependents;
        signal._dependents = null;
        for (i = 0; deps !== null && i < deps.length; i++) {
            signalAbort(deps[i], signal._reason);
        }
    }
    lib.signalAbort = signalAbort;

    lib.define(AbortSignal, "abort", function abort(reason) {
        var s = new AbortSignal(lib.internal);
        s._aborted = true;
        s._reason = reason === undefined ? abortError() : reason;
        return s;
    });
    lib.define(AbortSignal, "timeout", function timeout(ms) {
        var s = new AbortSignal(lib.internal), n = Number(ms);
        if (!(n >= 0) || n > 9007199254740991) {
            throw new TypeError("Failed to execute 'timeout' on 'AbortSignal': Value is "
                                + "outside the 'unsigned long long' value range.");
        }
        if (typeof global.setTimeout !== "function") {
            throw new TypeError("AbortSignal.timeout: no timers in this runtime");
        }
        global.setTimeout(function () {
            signalAbort(s, lib.domException("The operation was aborted due to timeout",
                                            "TimeoutError"));
        }, n);
        return s;
    });
    lib.define(AbortSignal, "any", function any(signals) {
        var s = new AbortSignal(lib.internal), list = lib.iterToArray(signals), i;
        for (i = 0; i < list.length; i++) {
            if (!(list[i] instanceof AbortSignal)) {
                throw new TypeError("Failed to execute 'any' on 'AbortSignal': Failed to "
                                    + "convert value to 'AbortSignal'.");
            }
            if (list[i]._aborted) {
                s._aborted = true;
                s._reason = list[i]._reason;
                return s;
            }
        }
        for (i = 0; i < list.length; i++) {
            if (list[i]._dependents === null) {
                list[i]._dependents = [];
            }
            list[i]._dependents.push(s);
        }
        return s;
    });

    function AbortController() {
        if (!(this instanceof AbortController)) {
            throw new TypeError("Failed to construct 'AbortController': Please use the 'new' "
                                + "operator, this DOM object constructor cannot be called as "
                                + "a function.");
        }
        this._signal = new AbortSignal(lib.internal);
    }
    lib.getters(AbortController.prototype, {
        signal: function () { return this._signal; }
    });
    lib.define(AbortController.prototype, "abort", function abort(reason) {
        signalAbort(this._signal, reason);
    });
    Object.defineProperty(AbortController.prototype, Symbol.toStringTag, {
        value: "AbortController", configurable: true
    });

    lib.Event = Event;
    lib.EventTarget = EventTarget;
    lib.AbortSignal = AbortSignal;
    lib.AbortController = AbortController;
    lib.define(global, "Event", Event);
    lib.define(global, "CustomEvent", CustomEvent);
    lib.define(global, "EventTarget", EventTarget);
    lib.define(global, "AbortSignal", AbortSignal);
    lib.define(global, "AbortController", AbortController);
}
