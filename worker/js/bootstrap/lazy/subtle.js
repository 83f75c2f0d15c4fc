/*
 * crypto.subtle's implementation (Web Crypto, W3C) on OpenSSL's libcrypto,
 * loaded by lazy/crypto.js on the first call of a SubtleCrypto method (an app
 * that only uses getRandomValues/randomUUID never pays for it):
 *   digest        SHA-1, SHA-256, SHA-384, SHA-512
 *   sign/verify   RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA (P-256/384/521, r||s), Ed25519, HMAC
 *   encrypt/decrypt  AES-GCM, AES-CBC, AES-CTR, RSA-OAEP
 *   wrapKey/unwrapKey  AES-KW, or any encrypt/decrypt algorithm
 *   deriveBits/deriveKey  ECDH, X25519, HKDF, PBKDF2
 *   generateKey, importKey/exportKey in raw, jwk, spki, pkcs8
 * and Cloudflare's subtle.timingSafeEqual. Sets lib.subtleImpl (the methods)
 * and lib.cryptoDone.
 *
 * Keys: a CryptoKey keeps its secret bytes (_raw) or its DER (_der: PKCS#8 or
 * SPKI) and the natives (native.crypto(op, ...), bind_crypto.c) parse them per
 * operation. Natives throw Error("DOMName|text"): domify() makes it the
 * DOMException. RSA key generation and PBKDF2 past ~1 ms run on the worker's
 * crypto thread (crypto_job.c) and settle through lib.cryptoDone.
 *
 * provides: require: subtleImpl
 */
function (native, global, lib) {
    "use strict";
    var CryptoKey = lib.CryptoKey;
    var Promise = lib.Promise;
    var C = native.crypto;
    var HASH_BLOCK = { "SHA-1": 64, "SHA-256": 64, "SHA-384": 128, "SHA-512": 128 };
    var HASH_LEN = { "SHA-1": 20, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };
    var CANON = {};             /* upper-case name -> registered name */
    var OPS = {
        "RSASSA-PKCS1-v1_5": ["sign", "verify", "generateKey", "importKey", "exportKey"],
        "RSA-PSS": ["sign", "verify", "generateKey", "importKey", "exportKey"],
        "RSA-OAEP": ["encrypt", "decrypt", "generateKey", "importKey", "exportKey"],
        "ECDSA": ["sign", "verify", "generateKey", "importKey", "exportKey"],
        "ECDH": ["deriveBits", "generateKey", "importKey", "exportKey"],
        "Ed25519": ["sign", "verify", "generateKey", "importKey", "exportKey"],
        "X25519": ["deriveBits", "generateKey", "importKey", "exportKey"],
        "AES-CTR": ["encrypt", "decrypt", "generateKey", "importKey", "exportKey", "length"],
        "AES-CBC": ["encrypt", "decrypt", "generateKey", "importKey", "exportKey", "length"],
        "AES-GCM": ["encrypt", "decrypt", "generateKey", "importKey", "exportKey", "length"],
        "AES-KW": ["wrapKey", "unwrapKey", "generateKey", "importKey", "exportKey", "length"],
        "HMAC": ["sign", "verify", "generateKey", "importKey", "exportKey", "length"],
        "HKDF": ["deriveBits", "importKey", "length"],
        "PBKDF2": ["deriveBits", "importKey", "length"],
        "SHA-1": ["digest"], "SHA-256": ["digest"], "SHA-384": ["digest"], "SHA-512": ["digest"]
    };
    /* Usages a key may have: [ secret/private, public ]. */
    var USAGES = {
        "RSASSA-PKCS1-v1_5": [["sign"], ["verify"]],
        "RSA-PSS": [["sign"], ["verify"]],
        "ECDSA": [["sign"], ["verify"]],
        "Ed25519": [["sign"], ["verify"]],
        "RSA-OAEP": [["decrypt", "unwrapKey"], ["encrypt", "wrapKey"]],
        "ECDH": [["deriveKey", "deriveBits"], []],
        "X25519": [["deriveKey", "deriveBits"], []],
        "AES-CTR": [["encrypt", "decrypt", "wrapKey", "unwrapKey"]],
        "AES-CBC": [["encrypt", "decrypt", "wrapKey", "unwrapKey"]],
        "AES-GCM": [["encrypt", "decrypt", "wrapKey", "unwrapKey"]],
        "AES-KW": [["wrapKey", "unwrapKey"]],
        "HMAC": [["sign", "verify"]],
        "HKDF": [["deriveKey", "deriveBits"]],
        "PBKDF2": [["deriveKey", "deriveBits"]]
    };
    var ALL_USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits",
                      "wrapKey", "unwrapKey"];
    var CURVES = { "P-256": 32, "P-384": 48, "P-521": 66 };
    var JWK_RSA_ALG = {
        "RSASSA-PKCS1-v1_5": { "SHA-1": "RS1", "SHA-256": "RS256", "SHA-384": "RS384",
                               "SHA-512": "RS512" },
        "RSA-PSS": { "SHA-1": "PS1", "SHA-256": "PS256", "SHA-384": "PS384",
                     "SHA-512": "PS512" },
        "RSA-OAEP": { "SHA-1": "RSA-OAEP", "SHA-256": "RSA-OAEP-256",
                      "SHA-384": "RSA-OAEP-384", "SHA-512": "RSA-OAEP-512" }
    };
    var JWK_EC_ALG = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" };
    var JWK_AES_ALG = { "AES-CTR": "CTR", "AES-CBC": "CBC", "AES-GCM": "GCM", "AES-KW": "KW" };
    var jobs = {}, nextJob = 1;
    var k;

    for (k in OPS) {
        if (Object.prototype.hasOwnProperty.call(OPS, k)) {
            CANON[k.toUpperCase()] = k;
        }
    }

    function domError(msg, name) {
        return lib.domException(msg, name);
    }

    /* A native's Error("Name|text") as that DOMException; others unchanged. */
    function domify(e) {
        var m = e instanceof Error && typeof e.message === "string"
            ? /^([A-Za-z]+Error)\|([\s\S]*)$/.exec(e.message) : null;
        return m !== null ? domError(m[2], m[1]) : e;
    }

    function call(op, a, b, c, d, e, f, g) {
        try {
            return C(op, a, b, c, d, e, f, g);
        } catch (err) {
            throw domify(err);
        }
    }

    function isBufferSource(v) {
        return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
    }

    /* A copy of a BufferSource's bytes (the caller may change the original). */
    function bytesOf(data, what) {
        var u;
        if (data instanceof ArrayBuffer) {
            u = new Uint8Array(data);
        } else if (ArrayBuffer.isView(data)) {
            u = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        } else {
            throw new TypeError("Failed to execute '" + what + "' on 'SubtleCrypto': The "
                                + "provided value is not of type '(ArrayBuffer or "
                                + "ArrayBufferView)'.");
        }
        return new Uint8Array(u);
    }

    function member(alg, name, what) {
        var v = alg[name];
        if (v === undefined) {
            throw new TypeError(what + ": the algorithm's member '" + name
                                + "' is required");
        }
        return v;
    }

    function bufferMember(alg, name, what) {
        var v = member(alg, name, what);
        if (!isBufferSource(v)) {
            throw new TypeError(what + ": the algorithm's member '" + name
                                + "' must be an ArrayBuffer or ArrayBufferView");
        }
        return bytesOf(v, what);
    }

    function numberMember(alg, name, what, dflt) {
        var v = alg[name];
        if (v === undefined) {
            if (dflt !== undefined) {
                return dflt;
            }
            throw new TypeError(what + ": the algorithm's member '" + name + "' is required");
        }
        v = Number(v);
        if (!isFinite(v)) {
            throw new TypeError(what + ": the algorithm's member '" + name
                                + "' must be a finite number");
        }
        return Math.floor(v);
    }

    /* WebCrypto's "normalize an algorithm": { name, ... } with the registered
     * name, or NotSupportedError naming what is not supported for op. */
    function normalize(alg, op) {
        var n = typeof alg === "string" ? alg : (alg !== null && typeof alg === "object")
            ? alg.name : undefined, canon, out, key;
        if (typeof n !== "string") {
            throw new TypeError("Failed to execute '" + op + "' on 'SubtleCrypto': "
                                + "Algorithm: name is missing");
        }
        canon = CANON[n.toUpperCase()];
        if (canon === undefined || OPS[canon].indexOf(op) < 0) {
            throw domError("Unrecognized or unsupported algorithm for " + op + ": " + n,
                           "NotSupportedError");
        }
        out = { name: canon };
        if (typeof alg === "object") {
            for (key in alg) {
                if (key !== "name") {
                    out[key] = alg[key];
                }
            }
        }
        if (out.hash !== undefined) {
            out.hash = normalize(out.hash, "digest").name;
        }
        return out;
    }

    /* The hash member (required) as a registered name. */
    function hashOf(alg, what) {
        if (alg.hash === undefined) {
            throw new TypeError(what + ": the algorithm's member 'hash' is required");
        }
        return alg.hash;
    }

    /* Runs fn now; its result or exception as a promise (Web Crypto is async). */
    function later(fn) {
        try {
            return Promise.resolve(fn());
        } catch (e) {
            return Promise.reject(domify(e));
        }
    }

    /* Long work: the result now, or a promise settled by lib.cryptoDone. */
    function job(op, args) {
        var id = nextJob++, io = lib.currentRequest, r;
        r = call("job", id, io, op, args);
        if (r !== undefined) {
            return r;
        }
        return new Promise(function (resolve, reject) {
            jobs[id] = { resolve: resolve, reject: reject, io: io };
        });
    }
    lib.cryptoDone = function (id, err, value) {
        var j = jobs[id];
        if (j === undefined) {
            return;
        }
        delete jobs[id];
        lib.currentRequest = j.io;
        if (err !== undefined) {
            j.reject(domify(new Error(err)));
        } else {
            j.resolve(value);
        }
    };

    /* Internal slots: fixed once set (a tenant cannot widen a key's usages or make
     * it extractable by assignment); the algorithm and usages the getters return
     * are copies that the operations never read. */
    function slot(key, name, value) {
        Object.defineProperty(key, name, { value: value });
    }

    function newKey(type, extractable, algorithm, usages, raw, der) {
        var key = new CryptoKey(lib.internal);
        slot(key, "_type", type);
        slot(key, "_extractable", !!extractable);
        slot(key, "_name", algorithm.name);
        slot(key, "_hash", algorithm.hash !== undefined ? algorithm.hash.name : undefined);
        slot(key, "_curve", algorithm.namedCurve);
        slot(key, "_bits", algorithm.modulusLength);
        slot(key, "_use", Object.freeze(usages.slice()));
        slot(key, "_algorithm", algorithm);
        slot(key, "_usages", usages);
        if (raw !== undefined) {
            slot(key, "_raw", raw);
        }
        if (der !== undefined) {
            slot(key, "_der", der);
        }
        return key;
    }

    /* ---- usages ---- */

    var USAGE_NAMES = {};
    ALL_USAGES.forEach(function (u) { USAGE_NAMES[u] = 1; });

    function usageList(usages, what) {
        var list, i, out = [];
        if (usages === null || typeof usages !== "object") {
            throw new TypeError("Failed to execute '" + what + "' on 'SubtleCrypto': "
                                + "keyUsages is not a sequence");
        }
        list = lib.iterToArray(usages);
        for (i = 0; i < list.length; i++) {
            if (USAGE_NAMES[list[i]] !== 1) {
                throw new TypeError("Failed to execute '" + what + "' on 'SubtleCrypto': "
                                    + "'" + list[i] + "' is not a valid KeyUsage");
            }
            if (out.indexOf(list[i]) < 0) {
                out.push(list[i]);
            }
        }
        return out;
    }

    /* usages must all be in allowed (SyntaxError naming the first that is not). */
    function checkUsages(usages, allowed, algName) {
        var i;
        for (i = 0; i < usages.length; i++) {
            if (allowed.indexOf(usages[i]) < 0) {
                throw domError("Cannot create a key using the specified key usages: '"
                               + usages[i] + "' is not valid for " + algName,
                               "SyntaxError");
            }
        }
        return usages;
    }

    function requireUsable(usages, type, algName) {
        if ((type === "secret" || type === "private") && usages.length === 0) {
            throw domError("Usages cannot be empty when creating a " + type + " key ("
                           + algName + ")", "SyntaxError");
        }
    }

    function intersect(usages, allowed) {
        return usages.filter(function (u) { return allowed.indexOf(u) >= 0; });
    }

    /* ---- base64url ---- */

    function b64urlDecode(s, field) {
        var bin, u, i, t;
        if (typeof s !== "string" || !/^[A-Za-z0-9_-]*$/.test(s)) {
            throw domError("JWK member '" + field + "' is not base64url", "DataError");
        }
        t = s.replace(/-/g, "+").replace(/_/g, "/");
        while (t.length % 4 !== 0) {
            t += "=";
        }
        bin = native.atob(t);
        if (bin === null) {
            throw domError("JWK member '" + field + "' is not base64url", "DataError");
        }
        u = new Uint8Array(bin.length);
        for (i = 0; i < bin.length; i++) {
            u[i] = bin.charCodeAt(i);
        }
        return u;
    }
    function b64urlEncode(buf) {
        var u = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
        return native.btoa(native.latin1(u)).replace(/\+/g, "-").replace(/\//g, "_")
            .replace(/=+$/, "");
    }

    /* ---- JWK checks shared by every key type (WebCrypto 14.3.x) ---- */

    function jwkCommon(jwk, kty, usages, extractable, use) {
        var ops, i;
        if (jwk === null || typeof jwk !== "object") {
            throw new TypeError("importKey: a JWK must be an object");
        }
        if (jwk.kty !== kty) {
            throw domError("JWK member 'kty' must be \"" + kty + "\"", "DataError");
        }
        if (usages.length > 0 && jwk.use !== undefined && jwk.use !== use) {
            throw domError("JWK member 'use' must be \"" + use + "\"", "DataError");
        }
        if (jwk.key_ops !== undefined) {
            ops = jwk.key_ops;
            if (!Array.isArray(ops)) {
                throw domError("JWK member 'key_ops' must be an array", "DataError");
            }
            for (i = 0; i < usages.length; i++) {
                if (ops.indexOf(usages[i]) < 0) {
                    throw domError("JWK member 'key_ops' does not include '" + usages[i] + "'",
                                   "DataError");
                }
            }
        }
        if (jwk.ext === false && extractable) {
            throw domError("JWK member 'ext' is false but the key is to be extractable",
                           "DataError");
        }
    }

    function jwkOut(kty, key) {
        return { kty: kty, key_ops: key._use.slice(), ext: key._extractable };
    }

    /* ---- import ---- */

    function secretImport(format, keyData, alg, extractable, usages) {
        var name = alg.name, raw, len, jwk, want;
        checkUsages(usages, USAGES[name][0], name);
        if (format === "raw") {
            raw = bytesOf(keyData, "importKey");
        } else if (format === "jwk" && name !== "HKDF" && name !== "PBKDF2") {
            jwk = keyData;
            jwkCommon(jwk, "oct", usages, extractable, name === "HMAC" ? "sig" : "enc");
            if (jwk.k === undefined) {
                throw domError("JWK member 'k' is missing", "DataError");
            }
            raw = b64urlDecode(jwk.k, "k");
        } else {
            throw domError("Unsupported key format for " + name + ": " + format,
                           "NotSupportedError");
        }
        if (name === "HMAC") {
            if (raw.length === 0) {
                throw domError("HMAC key data must not be empty", "DataError");
            }
            len = alg.length !== undefined ? numberMember(alg, "length", "HMAC")
                                           : raw.length * 8;
            if (len > raw.length * 8 || len <= (raw.length - 1) * 8) {
                throw domError("The HMAC key length does not match the key data", "DataError");
            }
            if (jwk !== undefined && jwk.alg !== undefined
                && jwk.alg !== "HS" + alg.hash.substring(4)) {
                throw domError("JWK member 'alg' must be HS" + alg.hash.substring(4),
                               "DataError");
            }
            requireUsable(usages, "secret", name);
            return newKey("secret", extractable, { name: name, hash: { name: hashOf(alg,
                "HMAC") }, length: len }, usages, raw);
        }
        if (name === "HKDF" || name === "PBKDF2") {
            if (extractable) {
                throw domError(name + " keys cannot be extractable", "SyntaxError");
            }
            requireUsable(usages, "secret", name);
            return newKey("secret", false, { name: name }, usages, raw);
        }
        /* AES */
        if ([16, 24, 32].indexOf(raw.length) < 0) {
            throw domError(name + " key data must be 128, 192 or 256 bits, not "
                           + raw.length * 8, "DataError");
        }
        if (jwk !== undefined && jwk.alg !== undefined) {
            want = "A" + raw.length * 8 + JWK_AES_ALG[name];
            if (jwk.alg !== want) {
                throw domError("JWK member 'alg' must be " + want, "DataError");
            }
        }
        requireUsable(usages, "secret", name);
        return newKey("secret", extractable, { name: name, length: raw.length * 8 }, usages,
                      raw);
    }

    /* What an algorithm needs of the key's kind ("RSA", "EC"...). */
    function kindOf(name) {
        if (name.substring(0, 3) === "RSA") {
            return "RSA";
        }
        if (name === "ECDSA" || name === "ECDH") {
            return "EC";
        }
        return name;            /* Ed25519, X25519 */
    }

    /* The JWK members of a key type, decoded. */
    function jwkParts(jwk, fields) {
        var parts = {}, i;
        for (i = 0; i < fields.length; i++) {
            if (jwk[fields[i]] !== undefined) {
                parts[fields[i]] = b64urlDecode(jwk[fields[i]], fields[i]);
            }
        }
        return parts;
    }

    function asymImport(format, keyData, alg, extractable, usages) {
        var name = alg.name, kind = kindOf(name), curve, r, info, type, jwk, parts, want;
        var allowed = USAGES[name][0].concat(USAGES[name][1]);
        checkUsages(usages, allowed, name);
        if (kind === "EC") {
            curve = member(alg, "namedCurve", name);
            if (CURVES[curve] === undefined) {
                throw domError("Unsupported namedCurve for " + name + ": " + curve,
                               "NotSupportedError");
            }
        }
        if (format === "spki" || format === "pkcs8") {
            r = call("keyImport", format, bytesOf(keyData, "importKey"));
        } else if (format === "raw") {
            if (kind === "RSA") {
                throw domError("Unsupported key format for " + name + ": raw",
                               "NotSupportedError");
            }
            r = call("keyImport", "raw", bytesOf(keyData, "importKey"), kind, curve);
        } else if (format === "jwk") {
            jwk = keyData;
            if (kind === "RSA") {
                jwkCommon(jwk, "RSA", usages, extractable, name === "RSA-OAEP" ? "enc" : "sig");
                if (jwk.oth !== undefined) {
                    throw domError("Multi-prime RSA JWKs (member 'oth') are not supported",
                                   "NotSupportedError");
                }
                want = JWK_RSA_ALG[name][hashOf(alg, name)];
                if (jwk.alg !== undefined && jwk.alg !== want) {
                    throw domError("JWK member 'alg' must be " + want + " for " + name + " with "
                                   + alg.hash, "DataError");
                }
                parts = jwkParts(jwk, ["n", "e", "d", "p", "q", "dp", "dq", "qi"]);
            } else if (kind === "EC") {
                jwkCommon(jwk, "EC", usages, extractable, name === "ECDSA" ? "sig" : "enc");
                if (jwk.crv !== curve) {
                    throw domError("JWK member 'crv' must be " + curve, "DataError");
                }
                if (name === "ECDSA" && jwk.alg !== undefined && jwk.alg !== JWK_EC_ALG[curve]) {
                    throw domError("JWK member 'alg' must be " + JWK_EC_ALG[curve],
                                   "DataError");
                }
                parts = jwkParts(jwk, ["x", "y", "d"]);
            } else {
                jwkCommon(jwk, "OKP", usages, extractable, name === "Ed25519" ? "sig" : "enc");
                if (jwk.crv !== name) {
                    throw domError("JWK member 'crv' must be " + name, "DataError");
                }
                if (name === "Ed25519" && jwk.alg !== undefined && jwk.alg !== "EdDSA"
                    && jwk.alg !== "Ed25519") {
                    throw domError("JWK member 'alg' must be EdDSA", "DataError");
                }
                parts = jwkParts(jwk, ["x", "d"]);
            }
            r = call("keyImport", "jwk", parts, kind, curve);
        } else {
            throw new TypeError("importKey: unknown key format '" + format + "'");
        }
        type = r[0];
        info = r[2];
        if (!(info.kind === kind || (kind === "RSA" && info.kind === "RSA-PSS"
                                     && name === "RSA-PSS"))) {
            throw domError("The key data is a " + info.kind + " key, not one for " + name,
                           "DataError");
        }
        if (kind === "EC" && info.curve !== curve) {
            throw domError("The key is on curve " + info.curve + ", not " + curve, "DataError");
        }
        if (format === "raw" && type !== "public") {
            throw domError("raw import is for public keys", "DataError");
        }
        if (format === "spki" && type !== "public") {
            throw domError("spki data must be a public key", "DataError");
        }
        checkUsages(usages, USAGES[name][type === "private" ? 0 : 1], name + " " + type
                    + " keys");
        requireUsable(usages, type, name);
        return newKey(type, extractable, asymAlgorithm(alg, info), usages, undefined, r[1]);
    }

    function asymAlgorithm(alg, info) {
        var a = { name: alg.name };
        if (info.kind === "RSA" || info.kind === "RSA-PSS") {
            a.modulusLength = info.bits;
            a.publicExponent = new Uint8Array(info.e);
            a.hash = { name: alg.hash };
        } else if (info.kind === "EC") {
            a.namedCurve = info.curve;
        }
        return a;
    }

    function importAny(format, keyData, algorithm, extractable, usages, what) {
        var alg = normalize(algorithm, "importKey"), list = usageList(usages, what);
        if (["raw", "spki", "pkcs8", "jwk"].indexOf(format) < 0) {
            throw new TypeError("Failed to execute '" + what + "' on 'SubtleCrypto': The "
                                + "provided value '" + format + "' is not a valid enum value "
                                + "of type KeyFormat.");
        }
        if (format === "jwk" ? (keyData === null || typeof keyData !== "object")
                             : !isBufferSource(keyData)) {
            throw new TypeError("Failed to execute '" + what + "' on 'SubtleCrypto': keyData "
                                + "must be " + (format === "jwk" ? "a JsonWebKey object"
                                                                  : "a BufferSource"));
        }
        if (USAGES[alg.name].length === 1) {
            if (alg.name === "HMAC") {
                hashOf(alg, "HMAC");
            }
            return secretImport(format, keyData, alg, extractable, list);
        }
        if (kindOf(alg.name) === "RSA") {
            hashOf(alg, alg.name);
        }
        return asymImport(format, keyData, alg, extractable, list);
    }

    /* ---- export ---- */

    function exportAny(format, key) {
        var name, out, parts, n;
        if (!(key instanceof CryptoKey)) {
            throw new TypeError("Failed to execute 'exportKey' on 'SubtleCrypto': parameter 2 "
                                + "is not of type 'CryptoKey'.");
        }
        if (["raw", "spki", "pkcs8", "jwk"].indexOf(format) < 0) {
            throw new TypeError("exportKey: unknown key format '" + format + "'");
        }
        name = key._name;
        if (!key._extractable) {
            throw domError("The key is not extractable", "InvalidAccessError");
        }
        if (key._type === "secret") {
            if (format === "raw") {
                return new Uint8Array(key._raw).buffer;
            }
            if (format === "jwk") {
                out = jwkOut("oct", key);
                out.k = b64urlEncode(key._raw);
                out.alg = name === "HMAC" ? "HS" + key._hash.substring(4)
                    : "A" + key._raw.length * 8 + JWK_AES_ALG[name];
                return out;
            }
            throw domError("Unsupported key format for a " + name + " key: " + format,
                           "NotSupportedError");
        }
        if (format === "spki" || format === "pkcs8") {
            if ((format === "spki") !== (key._type === "public")) {
                throw domError(format + " export needs a " + (format === "spki" ? "public"
                                                               : "private") + " key",
                               "InvalidAccessError");
            }
            return new Uint8Array(key._der).buffer;
        }
        if (format === "raw") {
            if (key._type !== "public" || kindOf(name) === "RSA") {
                throw domError("raw export is for EC and OKP public keys", "InvalidAccessError");
            }
            return call("keyExport", key._der, false, "raw");
        }
        parts = call("keyExport", key._der, key._type === "private", "jwk");
        if (kindOf(name) === "RSA") {
            out = jwkOut("RSA", key);
            ["n", "e", "d", "p", "q", "dp", "dq", "qi"].forEach(function (f) {
                if (parts[f] !== undefined) {
                    out[f] = b64urlEncode(parts[f]);
                }
            });
            out.alg = JWK_RSA_ALG[name][key._hash];
        } else if (kindOf(name) === "EC") {
            out = jwkOut("EC", key);
            out.crv = key._curve;
            for (n in { x: 1, y: 1, d: 1 }) {
                if (parts[n] !== undefined) {
                    out[n] = b64urlEncode(parts[n]);
                }
            }
        } else {
            out = jwkOut("OKP", key);
            out.crv = name;
            out.x = b64urlEncode(parts.x);
            if (parts.d !== undefined) {
                out.d = b64urlEncode(parts.d);
            }
        }
        return out;
    }

    /* ---- generate ---- */

    function generateAny(algorithm, extractable, usages) {
        var alg = normalize(algorithm, "generateKey"), name = alg.name;
        var list = usageList(usages, "generateKey"), len, raw, kind, e, bits;
        if (USAGES[name].length === 1) {
            checkUsages(list, USAGES[name][0], name);
            if (name === "HMAC") {
                hashOf(alg, "HMAC");
                len = alg.length !== undefined ? numberMember(alg, "length", "HMAC")
                                               : HASH_BLOCK[alg.hash] * 8;
                if (!(len > 0)) {
                    throw domError("HMAC key length must be positive", "OperationError");
                }
            } else {
                len = numberMember(alg, "length", name);
                if (len !== 128 && len !== 192 && len !== 256) {
                    throw domError(name + " key length must be 128, 192 or 256 bits",
                                   "OperationError");
                }
            }
            requireUsable(list, "secret", name);
            raw = new Uint8Array(Math.ceil(len / 8));
            native.randomFill(raw);
            if (len % 8 !== 0) {
                raw[raw.length - 1] &= (0xFF << (8 - len % 8)) & 0xFF;
            }
            return newKey("secret", extractable, name === "HMAC"
                          ? { name: name, hash: { name: alg.hash }, length: len }
                          : { name: name, length: len }, list, raw);
        }
        checkUsages(list, USAGES[name][0].concat(USAGES[name][1]), name);
        requireUsable(intersect(list, USAGES[name][0]), "private", name);
        kind = kindOf(name);
        if (kind === "RSA") {
            hashOf(alg, name);
            bits = numberMember(alg, "modulusLength", name);
            e = bufferMember(alg, "publicExponent", name);
            return Promise.resolve(job("rsa", [bits, e])).then(function (ders) {
                return keyPair(alg, ders, extractable, list);
            });
        }
        if (kind === "EC" && CURVES[member(alg, "namedCurve", name)] === undefined) {
            throw domError("Unsupported namedCurve for " + name + ": " + alg.namedCurve,
                           "NotSupportedError");
        }
        return keyPair(alg, call("ecGenerate", kind, alg.namedCurve), extractable, list);
    }

    function keyPair(alg, ders, extractable, usages) {
        var info = call("keyImport", "spki", ders[1])[2];
        var a = asymAlgorithm(alg, info);
        return {
            publicKey: newKey("public", true, a, intersect(usages, USAGES[alg.name][1]),
                              undefined, ders[1]),
            privateKey: newKey("private", extractable, a, intersect(usages, USAGES[alg.name][0]),
                               undefined, ders[0])
        };
    }

    /* ---- using keys ---- */

    /* Checks key against the normalized algorithm and the usage (spec order). */
    function useKey(key, alg, usage, what) {
        if (!(key instanceof CryptoKey)) {
            throw new TypeError("Failed to execute '" + what + "' on 'SubtleCrypto': the key "
                                + "is not of type 'CryptoKey'.");
        }
        if (alg.name !== key._name) {
            throw domError("The key is a " + key._name + " key, not " + alg.name,
                           "InvalidAccessError");
        }
        if (key._use.indexOf(usage) < 0) {
            throw domError("The " + alg.name + " key does not have the '" + usage + "' usage",
                           "InvalidAccessError");
        }
    }

    function signArgs(alg, key) {
        var name = alg.name;
        if (name === "ECDSA") {
            return [hashOf(alg, "ECDSA"), 0];
        }
        if (name === "RSA-PSS") {
            return [key._hash, numberMember(alg, "saltLength", "RSA-PSS")];
        }
        if (name === "Ed25519") {
            return [undefined, 0];
        }
        return [key._hash, 0];
    }

    function doSign(alg, key, data) {
        var a;
        if (alg.name === "HMAC") {
            return call("hmac", key._hash, key._raw, data);
        }
        if (key._type !== "private") {
            throw domError("sign needs a private key", "InvalidAccessError");
        }
        a = signArgs(alg, key);
        if (key._bits > BIG_RSA) {
            /* ND_RSA_PSS_SIGN 1, ND_RSA_PKCS1_SIGN 0 (crypto_job.h) */
            return job("rsaPrivate", [alg.name === "RSA-PSS" ? 1 : 0, a[0], a[1], key._der,
                                      data]);
        }
        return call("sign", alg.name.toUpperCase(), a[0], key._der, data, a[1]);
    }

    function doVerify(alg, key, signature, data) {
        var a;
        if (alg.name === "HMAC") {
            return call("timingSafeEqual", call("hmac", key._hash, key._raw,
                                                data), signature);
        }
        if (key._type !== "public") {
            throw domError("verify needs a public key", "InvalidAccessError");
        }
        a = signArgs(alg, key);
        return call("verify", alg.name.toUpperCase(), a[0], key._der, signature, data, a[1]);
    }

    var GCM_TAGS = [32, 64, 96, 104, 112, 120, 128];
    /* RSA private-key operations past this modulus take 30-200 ms: crypto thread. */
    var BIG_RSA = 4096;

    function doCipher(alg, key, data, encrypt) {
        var name = alg.name, tag, iv, len, label;
        if (name === "RSA-OAEP") {
            if (key._type !== (encrypt ? "public" : "private")) {
                throw domError("RSA-OAEP " + (encrypt ? "encryption needs a public"
                               : "decryption needs a private") + " key", "InvalidAccessError");
            }
            label = alg.label !== undefined ? bufferMember(alg, "label", name) : undefined;
            if (!encrypt && key._bits > BIG_RSA) {
                return job("rsaPrivate", [2 /* ND_RSA_OAEP_DECRYPT */, key._hash, 0, key._der,
                                          data, label]);
            }
            return call("rsaOaep", encrypt, key._hash, key._der, data, label);
        }
        if (name === "AES-GCM") {
            iv = bufferMember(alg, "iv", name);
            tag = numberMember(alg, "tagLength", name, 128);
            if (GCM_TAGS.indexOf(tag) < 0) {
                throw domError("AES-GCM tagLength must be one of " + GCM_TAGS.join(", "),
                               "OperationError");
            }
            if (iv.length === 0) {
                throw domError("AES-GCM iv must not be empty", "OperationError");
            }
            return call("aes", name, encrypt, key._raw, iv, data,
                        alg.additionalData !== undefined
                        ? bufferMember(alg, "additionalData", name) : undefined, tag);
        }
        if (name === "AES-CBC") {
            iv = bufferMember(alg, "iv", name);
            if (iv.length !== 16) {
                throw domError("AES-CBC iv must be 16 bytes", "OperationError");
            }
            return call("aes", name, encrypt, key._raw, iv, data);
        }
        if (name === "AES-CTR") {
            iv = bufferMember(alg, "counter", name);
            len = numberMember(alg, "length", name);
            if (iv.length !== 16 || len < 1 || len > 128) {
                throw domError("AES-CTR counter must be 16 bytes and length 1..128",
                               "OperationError");
            }
            return call("aes", name, encrypt, key._raw, iv, data, undefined, len);
        }
        return call("aes", name, encrypt, key._raw, undefined, data);    /* AES-KW */
    }

    /* The first bits bits of buf (null: all of it); OperationError if too few. */
    function truncateBits(buf, bits, name) {
        var u = new Uint8Array(buf), n;
        if (bits === null || bits === undefined) {
            return buf;
        }
        bits = Number(bits);
        if (!(bits >= 0) || bits > u.length * 8) {
            throw domError(name + ": length " + bits + " is more than the " + u.length * 8
                           + " bits available", "OperationError");
        }
        n = Math.ceil(bits / 8);
        u = new Uint8Array(u.subarray(0, n));
        if (bits % 8 !== 0) {
            u[n - 1] &= (0xFF << (8 - bits % 8)) & 0xFF;
        }
        return u.buffer;
    }

    function doDeriveBits(alg, key, length) {
        var name = alg.name, pub, bits;
        if (name === "ECDH" || name === "X25519") {
            pub = member(alg, "public", name);
            if (!(pub instanceof CryptoKey) || pub._type !== "public") {
                throw domError(name + ": the algorithm's 'public' must be a public CryptoKey",
                               "InvalidAccessError");
            }
            if (pub._name !== name || (name === "ECDH" && pub._curve !== key._curve)) {
                throw domError(name + ": the public key's algorithm or curve does not match "
                               + "the private key's", "InvalidAccessError");
            }
            if (key._type !== "private") {
                throw domError(name + ": the base key must be a private key",
                               "InvalidAccessError");
            }
            return truncateBits(call("derive", key._der, pub._der), length, name);
        }
        if (length === null || length === undefined) {
            throw domError(name + ": length is required", "OperationError");
        }
        bits = Number(length);
        if (!(bits >= 0) || bits % 8 !== 0) {
            throw domError(name + ": length must be a multiple of 8", "OperationError");
        }
        if (name === "HKDF") {
            if (bits > 255 * HASH_LEN[hashOf(alg, name)] * 8) {
                throw domError("HKDF: length is more than 255 hash lengths", "OperationError");
            }
            return call("hkdf", alg.hash, key._raw, bufferMember(alg, "salt", name),
                        bufferMember(alg, "info", name), bits / 8);
        }
        /* PBKDF2 */
        hashOf(alg, name);
        if (numberMember(alg, "iterations", name) <= 0) {
            throw domError("PBKDF2: iterations must be positive", "OperationError");
        }
        return job("pbkdf2", [alg.hash, key._raw, bufferMember(alg, "salt", name),
                              numberMember(alg, "iterations", name), bits / 8]);
    }

    /* "get key length" of a derived key's algorithm (null: the whole output). */
    function keyLength(alg) {
        if (alg.name === "HMAC") {
            hashOf(alg, "HMAC");
            if (alg.length !== undefined) {
                if (numberMember(alg, "length", "HMAC") <= 0) {
                    throw new TypeError("HMAC: length must be positive");
                }
                return numberMember(alg, "length", "HMAC");
            }
            return HASH_BLOCK[alg.hash] * 8;
        }
        if (alg.name === "HKDF" || alg.name === "PBKDF2") {
            return null;
        }
        if ([128, 192, 256].indexOf(numberMember(alg, "length", alg.name)) < 0) {
            throw domError(alg.name + " length must be 128, 192 or 256 bits", "OperationError");
        }
        return alg.length;
    }

    function textBytes(s) {
        return new lib.TextEncoder().encode(s);
    }

    /* ---- SubtleCrypto ---- */

    var impl = {};
    lib.define(impl, "digest", function digest(algorithm, data) {
        return later(function () {
            var alg = normalize(algorithm, "digest");
            return call("digest", alg.name, bytesOf(data, "digest"));
        });
    });
    lib.define(impl, "importKey", function importKey(format, keyData, algorithm, extractable,
                                                   usages) {
        return later(function () {
            return importAny(format, keyData, algorithm, extractable, usages, "importKey");
        });
    });
    lib.define(impl, "exportKey", function exportKey(format, key) {
        return later(function () {
            return exportAny(format, key);
        });
    });
    lib.define(impl, "generateKey", function generateKey(algorithm, extractable, usages) {
        return later(function () {
            return generateAny(algorithm, extractable, usages);
        });
    });
    lib.define(impl, "sign", function sign(algorithm, key, data) {
        return later(function () {
            var alg = normalize(algorithm, "sign"), d = bytesOf(data, "sign");
            useKey(key, alg, "sign", "sign");
            return doSign(alg, key, d);
        });
    });
    lib.define(impl, "verify", function verify(algorithm, key, signature, data) {
        return later(function () {
            var alg = normalize(algorithm, "verify"), s = bytesOf(signature, "verify");
            var d = bytesOf(data, "verify");
            useKey(key, alg, "verify", "verify");
            return doVerify(alg, key, s, d);
        });
    });
    lib.define(impl, "encrypt", function encrypt(algorithm, key, data) {
        return later(function () {
            var alg = normalize(algorithm, "encrypt"), d = bytesOf(data, "encrypt");
            useKey(key, alg, "encrypt", "encrypt");
            return doCipher(alg, key, d, true);
        });
    });
    lib.define(impl, "decrypt", function decrypt(algorithm, key, data) {
        return later(function () {
            var alg = normalize(algorithm, "decrypt"), d = bytesOf(data, "decrypt");
            useKey(key, alg, "decrypt", "decrypt");
            return doCipher(alg, key, d, false);
        });
    });
    lib.define(impl, "deriveBits", function deriveBits(algorithm, baseKey, length) {
        return later(function () {
            var alg = normalize(algorithm, "deriveBits");
            useKey(baseKey, alg, "deriveBits", "deriveBits");
            return doDeriveBits(alg, baseKey, length === undefined ? null : length);
        });
    });
    lib.define(impl, "deriveKey", function deriveKey(algorithm, baseKey, derivedKeyType,
                                                   extractable, usages) {
        return later(function () {
            var alg = normalize(algorithm, "deriveBits"), len;
            var type = normalize(derivedKeyType, "importKey");
            normalize(derivedKeyType, "length");
            len = keyLength(type);
            useKey(baseKey, alg, "deriveKey", "deriveKey");
            return Promise.resolve(doDeriveBits(alg, baseKey, len)).then(function (bits) {
                return importAny("raw", bits, derivedKeyType, extractable, usages,
                                 "deriveKey");
            });
        });
    });
    lib.define(impl, "wrapKey", function wrapKey(format, key, wrappingKey, wrapAlgorithm) {
        return later(function () {
            var alg, exported;
            try {
                alg = normalize(wrapAlgorithm, "wrapKey");
            } catch (e) {
                alg = normalize(wrapAlgorithm, "encrypt");
            }
            useKey(wrappingKey, alg, "wrapKey", "wrapKey");
            exported = exportAny(format, key);
            exported = format === "jwk" ? textBytes(JSON.stringify(exported))
                                        : new Uint8Array(exported);
            return doCipher(alg, wrappingKey, exported, true);
        });
    });
    lib.define(impl, "unwrapKey", function unwrapKey(format, wrappedKey, unwrappingKey,
                                                   unwrapAlgorithm, unwrappedKeyAlgorithm,
                                                   extractable, usages) {
        return later(function () {
            var alg, bytes, keyData;
            try {
                alg = normalize(unwrapAlgorithm, "unwrapKey");
            } catch (e) {
                alg = normalize(unwrapAlgorithm, "decrypt");
            }
            normalize(unwrappedKeyAlgorithm, "importKey");
            bytes = bytesOf(wrappedKey, "unwrapKey");
            useKey(unwrappingKey, alg, "unwrapKey", "unwrapKey");
            keyData = doCipher(alg, unwrappingKey, bytes, false);
            if (format === "jwk") {
                try {
                    keyData = JSON.parse(new lib.TextDecoder().decode(keyData));
                } catch (e) {
                    throw domError("unwrapKey: the unwrapped data is not a JWK (JSON)",
                                   "DataError");
                }
            }
            return importAny(format, keyData, unwrappedKeyAlgorithm, extractable, usages,
                             "unwrapKey");
        });
    });
    /* Cloudflare Workers' extension: constant-time comparison. */
    lib.define(impl, "timingSafeEqual", function timingSafeEqual(a, b) {
        var x = bytesOf(a, "timingSafeEqual"), y = bytesOf(b, "timingSafeEqual");
        if (x.byteLength !== y.byteLength) {
            throw new TypeError("Failed to execute 'timingSafeEqual' on 'SubtleCrypto': Input "
                                + "buffers must have the same byte length.");
        }
        return call("timingSafeEqual", x, y);
    });
    lib.subtleImpl = impl;
}
