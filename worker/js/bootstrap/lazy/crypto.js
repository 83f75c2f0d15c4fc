/*
 * crypto, loaded on first use: Crypto (getRandomValues, randomUUID),
 * SubtleCrypto and CryptoKey. The SubtleCrypto methods load lazy/subtle.js
 * (the Web Crypto implementation, ~80 KB per heap) on their first call.
 *
 * provides: global: crypto Crypto SubtleCrypto CryptoKey
 */
function (native, global, lib) {
    "use strict";

    function domError(msg, name) {
        return lib.domException(msg, name);
    }

    function isIntegerArray(v) {
        return v instanceof Int8Array || v instanceof Uint8Array
            || v instanceof Uint8ClampedArray || v instanceof Int16Array
            || v instanceof Uint16Array || v instanceof Int32Array || v instanceof Uint32Array;
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
        usages: function () { return this._usages; }
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
    function impl() {
        return lib.require("subtle").subtleImpl;
    }
    lib.define(SP, "digest", function digest(algorithm, data) {
        return impl().digest(algorithm, data);
    });
    lib.define(SP, "importKey", function importKey(format, keyData, algorithm, extractable,
                                                   usages) {
        return impl().importKey(format, keyData, algorithm, extractable, usages);
    });
    lib.define(SP, "exportKey", function exportKey(format, key) {
        return impl().exportKey(format, key);
    });
    lib.define(SP, "generateKey", function generateKey(algorithm, extractable, usages) {
        return impl().generateKey(algorithm, extractable, usages);
    });
    lib.define(SP, "sign", function sign(algorithm, key, data) {
        return impl().sign(algorithm, key, data);
    });
    lib.define(SP, "verify", function verify(algorithm, key, signature, data) {
        return impl().verify(algorithm, key, signature, data);
    });
    lib.define(SP, "encrypt", function encrypt(algorithm, key, data) {
        return impl().encrypt(algorithm, key, data);
    });
    lib.define(SP, "decrypt", function decrypt(algorithm, key, data) {
        return impl().decrypt(algorithm, key, data);
    });
    lib.define(SP, "deriveBits", function deriveBits(algorithm, baseKey, length) {
        return impl().deriveBits(algorithm, baseKey, length);
    });
    lib.define(SP, "deriveKey", function deriveKey(algorithm, baseKey, derivedKeyType, extractable,
                                                   usages) {
        return impl().deriveKey(algorithm, baseKey, derivedKeyType, extractable, usages);
    });
    lib.define(SP, "wrapKey", function wrapKey(format, key, wrappingKey, wrapAlgorithm) {
        return impl().wrapKey(format, key, wrappingKey, wrapAlgorithm);
    });
    lib.define(SP, "unwrapKey", function unwrapKey(format, wrappedKey, unwrappingKey,
                                                   unwrapAlgorithm, unwrappedKeyAlgorithm,
                                                   extractable, usages) {
        return impl().unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm,
                                unwrappedKeyAlgorithm, extractable, usages);
    });
    lib.define(SP, "timingSafeEqual", function timingSafeEqual(a, b) {
        return impl().timingSafeEqual(a, b);
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
    lib.CryptoKey = CryptoKey;
}
