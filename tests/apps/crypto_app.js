// crypto.subtle end to end (tests/e2e/test_crypto.py): POST a JSON operation,
// byte strings as base64; the answer is JSON, or 400 {name, message} for a DOMException.
var S = crypto.subtle;

function json(x, status) {
    return new Response(JSON.stringify(x), { status: status || 200,
                                             headers: { "content-type": "application/json" } });
}
function b64(ab) {
    var u = new Uint8Array(ab), s = "", i;
    for (i = 0; i < u.length; i++) {
        s += String.fromCharCode(u[i]);
    }
    return btoa(s);
}
function unb64(s) {
    var bin = atob(s), u = new Uint8Array(bin.length), i;
    for (i = 0; i < bin.length; i++) {
        u[i] = bin.charCodeAt(i);
    }
    return u;
}
function b64url(ab) {
    return b64(ab).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function unb64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
        s += "=";
    }
    return unb64(s);
}
var enc = new TextEncoder();

/* The import algorithm of a JWS alg. */
var JWS = {
    RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, "RSASSA-PKCS1-v1_5"],
    PS256: [{ name: "RSA-PSS", hash: "SHA-256" }, { name: "RSA-PSS", saltLength: 32 }],
    ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
    ES384: [{ name: "ECDSA", namedCurve: "P-384" }, { name: "ECDSA", hash: "SHA-384" }],
    ES512: [{ name: "ECDSA", namedCurve: "P-521" }, { name: "ECDSA", hash: "SHA-512" }],
    EdDSA: [{ name: "Ed25519" }, { name: "Ed25519" }]
};

var ops = {
    /* {format, key, alg (import), sign (params), data} -> {sig} */
    sign: function (q) {
        return S.importKey(q.format || "pkcs8", q.format === "jwk" ? q.key : unb64(q.key), q.alg,
                           false, ["sign"]).then(function (k) {
            return S.sign(q.sign || q.alg, k, unb64(q.data));
        }).then(function (sig) {
            return { sig: b64(sig) };
        });
    },
    /* {format, key, alg, sign, sig, data} -> {ok} */
    verify: function (q) {
        return S.importKey(q.format || "spki", q.format === "jwk" ? q.key : unb64(q.key), q.alg,
                           false, ["verify"]).then(function (k) {
            return S.verify(q.sign || q.alg, k, unb64(q.sig), unb64(q.data));
        }).then(function (ok) {
            return { ok: ok };
        });
    },
    /* {encrypt: bool, key (spki|pkcs8), hash, data} -> {out} */
    oaep: function (q) {
        return S.importKey(q.encrypt ? "spki" : "pkcs8", unb64(q.key),
                           { name: "RSA-OAEP", hash: q.hash }, false,
                           [q.encrypt ? "encrypt" : "decrypt"]).then(function (k) {
            return q.encrypt ? S.encrypt("RSA-OAEP", k, unb64(q.data))
                             : S.decrypt("RSA-OAEP", k, unb64(q.data));
        }).then(function (out) {
            return { out: b64(out) };
        });
    },
    /* {alg, priv (pkcs8), pub (spki), bits} -> {secret} */
    derive: function (q) {
        return Promise.all([
            S.importKey("pkcs8", unb64(q.priv), q.alg, false, ["deriveBits"]),
            S.importKey("spki", unb64(q.pub), q.alg, false, [])
        ]).then(function (k) {
            return S.deriveBits({ name: q.alg.name, public: k[1] }, k[0], q.bits || null);
        }).then(function (s) {
            return { secret: b64(s) };
        });
    },
    /* {format, key, alg, usages} -> the key's algorithm, type and its exports */
    reexport: function (q) {
        return S.importKey(q.format, q.format === "jwk" ? q.key : unb64(q.key), q.alg, true,
                           q.usages).then(function (k) {
            var priv = k.type === "private";
            return Promise.all([S.exportKey("jwk", k),
                                S.exportKey(priv ? "pkcs8" : "spki", k)]).then(function (r) {
                var alg = JSON.parse(JSON.stringify(k.algorithm));
                if (k.algorithm.publicExponent) {
                    alg.publicExponent = b64(k.algorithm.publicExponent);
                }
                return { type: k.type, algorithm: alg, usages: k.usages, jwk: r[0],
                         der: b64(r[1]) };
            });
        });
    },
    /* {alg, usages} -> {privateKey (pkcs8), publicKey (spki)} */
    generate: function (q) {
        if (Array.isArray(q.alg.publicExponent)) {
            q.alg.publicExponent = new Uint8Array(q.alg.publicExponent);
        }
        return S.generateKey(q.alg, true, q.usages).then(function (kp) {
            return Promise.all([S.exportKey("pkcs8", kp.privateKey),
                                S.exportKey("spki", kp.publicKey)]);
        }).then(function (r) {
            return { privateKey: b64(r[0]), publicKey: b64(r[1]) };
        });
    },
    /* {password, salt, iterations, hash, bits} -> {bits} */
    pbkdf2: function (q) {
        return S.importKey("raw", enc.encode(q.password), "PBKDF2", false, ["deriveBits"])
            .then(function (k) {
                return S.deriveBits({ name: "PBKDF2", hash: q.hash, salt: enc.encode(q.salt),
                                      iterations: q.iterations }, k, q.bits);
            }).then(function (bits) {
                return { bits: b64(bits) };
            });
    },
    /* {jwks: {keys}, token} -> {ok, payload, kid}: a JWT checked against a JWKS by hand */
    jwtVerify: function (q) {
        var parts = q.token.split("."), header = JSON.parse(new TextDecoder().decode(
            unb64url(parts[0]))), jwk, a;
        jwk = q.jwks.keys.filter(function (key) { return key.kid === header.kid; })[0];
        a = JWS[header.alg];
        if (jwk === undefined || a === undefined) {
            return Promise.resolve({ ok: false, why: "no key for kid/alg" });
        }
        return S.importKey("jwk", jwk, a[0], false, ["verify"]).then(function (k) {
            return S.verify(a[1], k, unb64url(parts[2]), enc.encode(parts[0] + "." + parts[1]));
        }).then(function (ok) {
            return { ok: ok, kid: header.kid, alg: header.alg,
                     payload: JSON.parse(new TextDecoder().decode(unb64url(parts[1]))) };
        });
    },
    /* {jwk (private), alg, kid, payload} -> {token} */
    jwtSign: function (q) {
        var a = JWS[q.alg], input = b64url(enc.encode(JSON.stringify({ alg: q.alg, kid: q.kid })))
            + "." + b64url(enc.encode(JSON.stringify(q.payload)));
        return S.importKey("jwk", q.jwk, a[0], false, ["sign"]).then(function (k) {
            return S.sign(a[1], k, enc.encode(input));
        }).then(function (sig) {
            return { token: input + "." + b64url(sig) };
        });
    }
};

module.exports = {
    fetch: function (request) {
        var path = new URL(request.url).pathname;
        if (path === "/ping") {
            return new Response("pong");
        }
        return request.json().then(function (q) {
            var op = ops[path.substring(1)];
            if (op === undefined) {
                return json({ error: "no such op" }, 404);
            }
            return op(q).then(function (r) {
                return json(r);
            }, function (e) {
                return json({ name: e.name, message: e.message,
                              isDOMException: e instanceof DOMException }, 400);
            });
        });
    }
};
