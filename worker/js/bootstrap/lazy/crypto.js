/*
 * crypto (Web Crypto subset) on OpenSSL's libcrypto, loaded on first use:
 * getRandomValues, randomUUID, subtle.digest (SHA-1/256/384/512),
 * subtle.importKey/exportKey/generateKey + sign/verify for HMAC, and
 * Cloudflare's subtle.timingSafeEqual. Other algorithms reject with a
 * NotSupportedError DOMException.
 */
function (native, global, lib) {
    "use strict";
    var Promise = lib.Promise;
    var HASHES = { "SHA-1": 1, "SHA-256": 1, "SHA-384": 1, "SHA-512": 1 };
    var HASH_BLOCK = { "SHA-1": 64, "SHA-256": 64, "SHA-384": 128, "SHA-512": 128 };

    function domError(msg, name) {
        return lib.domException(msg, name);
    }

    function isIntegerArray(v) {
        return v instanceof Int8Array || v instanceof Uint8Array
            || v instanceof Uint8ClampedArray || v instanceof Int16Array
            || v instanceof Uint16Array || v instanceof Int32Array || v instanceof Uint32Array;
    }

    function bytesOf(data, what) {
        if (data instanceof ArrayBuffer) {
            return new Uint8Array(data);
        }
        if (ArrayBuffer.isView(data)) {
            return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        }
        throw new TypeError("Failed to execute '" + what + "' on 'SubtleCrypto': The provided "
                            + "value is not of type '(ArrayBuffer or ArrayBufferView)'.");
    }

    function algName(alg) {
        var n = typeof alg === "string" ? alg : (alg !== null && typeof alg === "object")
            ? alg.name : undefined;
        if (typeof n !== "string") {
            throw new TypeError("Algorithm: name is missing");
        }
        return n.toUpperCase();
    }

    function hashName(h) {
        var n = algName(h);
        if (HASHES[n] !== 1) {
            throw domError("Unrecognized or unsupported hash: " + n, "NotSupportedError");
        }
        return n;
    }

    /* Runs fn now; its result or exception as a promise (Web Crypto is async). */
    function later(fn) {
        try {
            return Promise.resolve(fn());
        } catch (e) {
            return Promise.reject(e);
        }
    }

    function Crypto(token) {
        if (token !== lib.internal) {
            throw new TypeError("Illegal constructor");
        }
    }
    function SubtleCrypto(token) {
        if (token !== lib.internal) {
            throw new TypeError("Illegal constructor");
        }
    }
    function CryptoKey(token) {
        if (token !== lib.internal) {
            throw new TypeError("Illegal constructor");
        }
    }
    lib.getters(CryptoKey.prototype, {
        type: function () { return this._type; },
        extractable: function () { return this._extractable; },
        algorithm: function () { return this._algorithm; },
        usages: function () { return this._usages.slice(); }
    });
    Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, {
        value: "CryptoKey", configurable: true
    });

    lib.define(Crypto.prototype, "getRandomValues", function getRandomValues(array) {
        if (!isIntegerArray(array)) {
            throw domError("Failed to execute 'getRandomValues' on 'Crypto': The provided "
                           + "ArrayBufferView is of type '"
                           + Object.prototype.toString.call(array).slice(8, -1)
                           + "', which is not an integer array type.", "TypeMismatchError");
        }
        if (array.byteLength > 65536) {
            throw domError("Failed to execute 'getRandomValues' on 'Crypto': The "
                           + "ArrayBufferView's byte length (" + array.byteLength
                           + ") exceeds the number of bytes of entropy available via this API "
                           + "(65536).", "QuotaExceededError");
        }
        native.randomFill(array);
        return array;
    });
    lib.define(Crypto.prototype, "randomUUID", function randomUUID() {
        var b = new Uint8Array(16), hex = "", i;
        native.randomFill(b);
        b[6] = (b[6] & 0x0F) | 0x40;
        b[8] = (b[8] & 0x3F) | 0x80;
        for (i = 0; i < 16; i++) {
            hex += (b[i] < 16 ? "0" : "") + b[i].toString(16);
            if (i === 3 || i === 5 || i === 7 || i === 9) {
                hex += "-";
            }
        }
        return hex;
    });
    Object.defineProperty(Crypto.prototype, Symbol.toStringTag, {
        value: "Crypto", configurable: true
    });

    var SP = SubtleCrypto.prototype;
    lib.define(SP, "digest", function digest(algorithm, data) {
        return later(function () {
            var n = algName(algorithm);
            if (HASHES[n] !== 1) {
                throw domError("Unrecognized or unsupported digest algorithm: " + n,
                               "NotSupportedError");
            }
            return native.digest(n, bytesOf(data, "digest"));
        });
    });

    function checkUsages(usages, allowed) {
        var list = lib.iterToArray(usages), i;
        for (i = 0; i < list.length; i++) {
            if (allowed.indexOf(list[i]) < 0) {
                throw new SyntaxError("Cannot create a key using the specified key usages.");
            }
        }
        return list;
    }

    function hmacKey(raw, hash, extractable, usages, length) {
        var k = new CryptoKey(lib.internal);
        k._type = "secret";
        k._extractable = !!extractable;
        k._algorithm = { name: "HMAC", hash: { name: hash }, length: length };
        k._usages = usages;
        k._raw = raw;
        return k;
    }

    function b64urlDecode(s) {
        var t = String(s).replace(/-/g, "+").replace(/_/g, "/"), bin, u, i;
        bin = native.atob(t);
        if (bin === null) {
            throw domError("Invalid base64url in the JWK", "DataError");
        }
        u = new Uint8Array(bin.length);
        for (i = 0; i < bin.length; i++) {
            u[i] = bin.charCodeAt(i);
        }
        return u;
    }
    function b64urlEncode(u) {
        return native.btoa(native.latin1(u)).replace(/\+/g, "-").replace(/\//g, "_")
            .replace(/=+$/, "");
    }

    lib.define(SP, "importKey", function importKey(format, keyData, algorithm, extractable,
                                                   usages) {
        return later(function () {
            var n = algName(algorithm), hash, raw, usageList, len;
            if (n !== "HMAC") {
                throw domError("Unrecognized or unsupported algorithm for importKey: " + n,
                               "NotSupportedError");
            }
            hash = hashName(algorithm.hash);
            usageList = checkUsages(usages, ["sign", "verify"]);
            if (format === "raw") {
                raw = new Uint8Array(bytesOf(keyData, "importKey"));
            } else if (format === "jwk") {
                if (keyData === null || typeof keyData !== "object" || keyData.kty !== "oct"
                    || typeof keyData.k !== "string") {
                    throw domError("The JWK is not an oct key", "DataError");
                }
                raw = b64urlDecode(keyData.k);
            } else {
                throw domError("Unsupported key format for HMAC: " + format,
                               "NotSupportedError");
            }
            if (raw.length === 0) {
                throw domError("HMAC key data must not be empty", "DataError");
            }
            len = algorithm.length !== undefined ? Number(algorithm.length) : raw.length * 8;
            if (len > raw.length * 8 || len <= (raw.length - 1) * 8) {
                throw domError("The HMAC key length does not match the key data", "DataError");
            }
            return hmacKey(raw, hash, extractable, usageList, len);
        });
    });
    lib.define(SP, "generateKey", function generateKey(algorithm, extractable, usages) {
        return later(function () {
            var n = algName(algorithm), hash, len, raw;
            if (n !== "HMAC") {
                throw domError("Unrecognized or unsupported algorithm for generateKey: " + n,
                               "NotSupportedError");
            }
            hash = hashName(algorithm.hash);
            len = algorithm.length !== undefined ? Number(algorithm.length)
                                                 : HASH_BLOCK[hash] * 8;
            if (!(len > 0) || len % 8 !== 0) {
                throw domError("Unsupported HMAC key length", "OperationError");
            }
            raw = new Uint8Array(len / 8);
            native.randomFill(raw);
            return hmacKey(raw, hash, extractable, checkUsages(usages, ["sign", "verify"]),
                           len);
        });
    });
    lib.define(SP, "exportKey", function exportKey(format, key) {
        return later(function () {
            if (!(key instanceof CryptoKey)) {
                throw new TypeError("Failed to execute 'exportKey' on 'SubtleCrypto': "
                                    + "parameter 2 is not of type 'CryptoKey'.");
            }
            if (!key._extractable) {
                throw domError("key is not extractable", "InvalidAccessError");
            }
            if (format === "raw") {
                return new Uint8Array(key._raw).buffer;
            }
            if (format === "jwk") {
                return { kty: "oct", k: b64urlEncode(key._raw),
                         alg: "HS" + key._algorithm.hash.name.substring(4),
                         key_ops: key._usages.slice(), ext: true };
            }
            throw domError("Unsupported key format: " + format, "NotSupportedError");
        });
    });

    function useKey(key, alg, usage) {
        if (!(key instanceof CryptoKey)) {
            throw new TypeError("parameter 2 is not of type 'CryptoKey'.");
        }
        if (algName(alg) !== key._algorithm.name) {
            throw domError("The key's algorithm does not match", "InvalidAccessError");
        }
        if (key._usages.indexOf(usage) < 0) {
            throw domError("The key does not support the '" + usage + "' operation",
                           "InvalidAccessError");
        }
        if (key._algorithm.name !== "HMAC") {
            throw domError("Unsupported algorithm", "NotSupportedError");
        }
    }

    lib.define(SP, "sign", function sign(algorithm, key, data) {
        return later(function () {
            useKey(key, algorithm, "sign");
            return native.hmac(key._algorithm.hash.name, key._raw, bytesOf(data, "sign"));
        });
    });
    lib.define(SP, "verify", function verify(algorithm, key, signature, data) {
        return later(function () {
            var mac;
            useKey(key, algorithm, "verify");
            mac = native.hmac(key._algorithm.hash.name, key._raw, bytesOf(data, "verify"));
            return native.timingSafeEqual(mac, bytesOf(signature, "verify"));
        });
    });
    ["encrypt", "decrypt", "deriveBits", "deriveKey", "wrapKey", "unwrapKey"].forEach(
        function (m) {
            lib.define(SP, m, function () {
                return Promise.reject(domError("SubtleCrypto." + m + " is not supported by "
                                               + "this runtime", "NotSupportedError"));
            });
        });
    /* Cloudflare Workers' extension: constant-time comparison. */
    lib.define(SP, "timingSafeEqual", function timingSafeEqual(a, b) {
        var x = bytesOf(a, "timingSafeEqual"), y = bytesOf(b, "timingSafeEqual");
        if (x.byteLength !== y.byteLength) {
            throw new TypeError("Failed to execute 'timingSafeEqual' on 'SubtleCrypto': Input "
                                + "buffers must have the same byte length.");
        }
        return native.timingSafeEqual(x, y);
    });
    Object.defineProperty(SP, Symbol.toStringTag, {
        value: "SubtleCrypto", configurable: true
    });

    var crypto = new Crypto(lib.internal), subtle = new SubtleCrypto(lib.internal);
    Object.defineProperty(Crypto.prototype, "subtle", {
        get: function () { return subtle; }, enumerable: true, configurable: true
    });
    lib.define(global, "crypto", crypto);
    lib.define(global, "Crypto", Crypto);
    lib.define(global, "SubtleCrypto", SubtleCrypto);
    lib.define(global, "CryptoKey", CryptoKey);
}
