/*
 * Workers KV namespaces (env.NAME for kv.NAME = sqlite in apps.ini): the
 * Workers KV API on native.kv (worker/js/bind_kv.c), whose work runs on the
 * worker's job thread; each call's promise settles through lib.kvDone.
 * lib.kvNamespace(binding) builds one namespace object (app.c, per heap).
 *
 * provides: lib: kvNamespace kvDone
 */
function (native, global, lib) {
    "use strict";
    var pending = {}, nextId = 1;

    function call(op, b, args) {
        var io = lib.currentRequest;
        return new Promise(function (resolve, reject) {
            var id = nextId++;
            native.kv.apply(null, [op, id, io, b].concat(args));
            pending[id] = { resolve: resolve, reject: reject, io: io };
        });
    }

    lib.kvDone = function (id, err, value) {
        var p = pending[id];
        if (p === undefined) {
            return;
        }
        delete pending[id];
        lib.currentRequest = p.io;
        if (err !== undefined) {
            p.reject(new Error(err));
        } else {
            p.resolve(value);
        }
    };

    function keyOf(key) {
        return typeof key === "string" ? key : String(key);
    }

    function typeOf(opt, def) {
        var t = opt === undefined || opt === null ? def
            : typeof opt === "string" ? opt : opt.type === undefined ? def : opt.type;
        if (t !== "text" && t !== "json" && t !== "arrayBuffer" && t !== "stream") {
            throw new TypeError("KV get: unknown type \"" + t
                                + "\" (use text, json, arrayBuffer or stream)");
        }
        if (t === "stream" && typeof ReadableStream !== "function") {
            throw new TypeError("KV get: type stream needs ReadableStream");
        }
        return t;
    }

    function decode(buf, type) {
        if (type === "arrayBuffer") {
            return buf;
        }
        if (type === "stream") {
            return new ReadableStream({ start: function (c) {
                c.enqueue(new Uint8Array(buf));
                c.close();
            } });
        }
        var text = new TextDecoder().decode(new Uint8Array(buf));
        return type === "json" ? JSON.parse(text) : text;
    }

    /* The value as a string or bytes native.kv takes (a promise for streams). */
    function encodeValue(v) {
        if (typeof v === "string") {
            return new TextEncoder().encode(v);
        }
        if (v instanceof ArrayBuffer) {
            return v;
        }
        if (ArrayBuffer.isView(v)) {
            return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        }
        if (typeof ReadableStream === "function" && v instanceof ReadableStream) {
            return new Response(v).arrayBuffer();
        }
        throw new TypeError("KV put: the value must be a string, ArrayBuffer, "
                            + "ArrayBufferView or ReadableStream");
    }

    function seconds(name, v) {
        var n = Number(v);
        if (!(n > 0) || !isFinite(n)) {
            throw new TypeError("KV put: " + name + " must be a positive number of seconds");
        }
        return Math.floor(n);
    }

    function guard(fn) {
        try {
            return fn();
        } catch (e) {
            return Promise.reject(e);
        }
    }

    lib.kvNamespace = function (b) {
        function getRaw(key, opt, withMeta) {
            return guard(function () {
                var type = typeOf(opt, "text");
                return call("get", b, [keyOf(key)]).then(function (r) {
                    var value = r === null ? null : decode(r[0], type);
                    if (!withMeta) {
                        return value;
                    }
                    return { value: value, metadata: r === null || r[1] === null ? null
                             : JSON.parse(r[1]), cacheStatus: null };
                });
            });
        }
        var ns = {
            get: function (key, opt) {
                return getRaw(key, opt, false);
            },
            getWithMetadata: function (key, opt) {
                return getRaw(key, opt, true);
            },
            put: function (key, value, opt) {
                return guard(function () {
                    var exp = 0, meta = null, k = keyOf(key);
                    opt = opt || {};
                    if (opt.expiration !== undefined) {
                        exp = seconds("expiration", opt.expiration);
                    } else if (opt.expirationTtl !== undefined) {
                        exp = Math.ceil(Date.now() / 1000)
                            + seconds("expirationTtl", opt.expirationTtl);
                    }
                    if (opt.metadata !== undefined && opt.metadata !== null) {
                        meta = JSON.stringify(opt.metadata);
                    }
                    return Promise.resolve(encodeValue(value)).then(function (bytes) {
                        return call("put", b, [k, bytes, exp, meta]);
                    }).then(function () {
                        return undefined;
                    });
                });
            },
            "delete": function (key) {
                return guard(function () {
                    return call("delete", b, [keyOf(key)]).then(function () {
                        return undefined;
                    });
                });
            },
            list: function (opt) {
                return guard(function () {
                    var prefix, limit, cursor;
                    opt = opt || {};
                    prefix = opt.prefix === undefined || opt.prefix === null ? ""
                        : String(opt.prefix);
                    limit = opt.limit === undefined ? 1000 : Number(opt.limit);
                    if (!(limit >= 1 && limit <= 1000) || Math.floor(limit) !== limit) {
                        throw new RangeError("KV list: limit must be an integer 1..1000");
                    }
                    cursor = opt.cursor === undefined || opt.cursor === null || opt.cursor === ""
                        ? null : String(opt.cursor);
                    return call("list", b, [prefix, limit, null, cursor]).then(function (rows) {
                        var keys = [], i, r, k, done = rows.length <= limit, out;
                        for (i = 0; i < rows.length && i < limit; i++) {
                            r = rows[i];
                            k = { name: r[0] };
                            if (r[1] > 0) {
                                k.expiration = r[1];
                            }
                            if (r[2] !== null) {
                                k.metadata = JSON.parse(r[2]);
                            }
                            keys.push(k);
                        }
                        out = { keys: keys, list_complete: done, cacheStatus: null };
                        if (!done) {
                            out.cursor = keys[keys.length - 1].name;
                        }
                        return out;
                    });
                });
            }
        };
        return Object.freeze(ns);
    };
}
