/*
 * crypto.subtle against published test vectors, typed in from the RFCs and
 * specifications cited at each case, plus error cases (DOMException names).
 * Keys made by the openssl command and Node interop: tests/e2e/test_crypto.py.
 */
(function () {
    var S = crypto.subtle;
    var enc = new TextEncoder();

    function hex(b) {
        var u = new Uint8Array(b), s = "", i;
        for (i = 0; i < u.length; i++) {
            s += (u[i] < 16 ? "0" : "") + u[i].toString(16);
        }
        return s;
    }
    function unhex(s) {
        var u, i;
        s = s.replace(/\s+/g, "");
        u = new Uint8Array(s.length / 2);
        for (i = 0; i < u.length; i++) {
            u[i] = parseInt(s.substr(2 * i, 2), 16);
        }
        return u;
    }
    function b64u(u) {
        return btoa(String.fromCharCode.apply(null, Array.prototype.slice.call(u)))
            .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
    function unb64u(s) {
        var t = s.replace(/-/g, "+").replace(/_/g, "/"), bin, u, i;
        while (t.length % 4) {
            t += "=";
        }
        bin = atob(t);
        u = new Uint8Array(bin.length);
        for (i = 0; i < bin.length; i++) {
            u[i] = bin.charCodeAt(i);
        }
        return u;
    }
    function test(name, fn) {
        T.async(name, Promise.resolve().then(fn).then(null, function (e) {
            T.fail(name, e && e.stack ? e.stack : String(e));
        }));
    }
    /* p must reject with DOMException errName. */
    function rejects(name, p, errName) {
        T.async(name, p.then(function () {
            T.fail(name, "resolved, want " + errName);
        }, function (e) {
            T.check(name, e && e.name, errName);
        }));
    }

    /* ---- RFC 8032 section 7.1, Ed25519 TEST 1-3 (keys imported as RFC 8037 JWKs) ---- */
    [
        ["9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
         + "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"],
        ["4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
         + "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"],
        ["c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
         "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
         "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
         + "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"]
    ].forEach(function (v, i) {
        var name = "RFC 8032 7.1 Ed25519 TEST " + (i + 1);
        test(name, function () {
            var jwk = { kty: "OKP", crv: "Ed25519", d: b64u(unhex(v[0])), x: b64u(unhex(v[1])) };
            return Promise.all([
                S.importKey("jwk", jwk, "Ed25519", true, ["sign"]),
                S.importKey("raw", unhex(v[1]), { name: "Ed25519" }, true, ["verify"])
            ]).then(function (keys) {
                return S.sign("Ed25519", keys[0], unhex(v[2])).then(function (sig) {
                    T.check(name + " signature", hex(sig), v[3]);
                    return S.verify("Ed25519", keys[1], sig, unhex(v[2]));
                }).then(function (ok) {
                    T.check(name + " verify", ok, true);
                    var bad = unhex(v[3]);
                    bad[5] ^= 1;
                    return S.verify("Ed25519", keys[1], bad, unhex(v[2]));
                }).then(function (ok) {
                    T.check(name + " verify (altered signature)", ok, false);
                    return S.exportKey("jwk", keys[0]);
                }).then(function (j) {
                    T.check(name + " jwk export", j.kty + " " + j.crv + " " + j.x + " " + j.d,
                            "OKP Ed25519 " + jwk.x + " " + jwk.d);
                    return S.exportKey("raw", keys[1]);
                }).then(function (raw) {
                    T.check(name + " raw export", hex(raw), v[1]);
                });
            });
        });
    });

    /* RFC 8037 A.4: the JWS signed with the RFC 8032 TEST 1 key. */
    test("RFC 8037 A.4 EdDSA JWS", function () {
        var jws = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0Jzln"
            + "LWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
        var p = jws.split(".");
        return S.importKey("jwk", { kty: "OKP", crv: "Ed25519",
                                    x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" },
                           { name: "Ed25519" }, false, ["verify"]).then(function (k) {
            return S.verify("Ed25519", k, unb64u(p[2]), enc.encode(p[0] + "." + p[1]));
        }).then(function (ok) {
            T.check("RFC 8037 A.4 EdDSA JWS verifies", ok, true);
        });
    });

    /* ---- RFC 6979 A.2.5 (P-256) and A.2.6 (P-384): verify the published r || s ---- */
    [
        ["P-256", "SHA-256", "sample",
         "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
         "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
         "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
         "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
         "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"],
        ["P-256", "SHA-256", "test",
         "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
         "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
         "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
         "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
         "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"],
        ["P-384", "SHA-384", "sample",
         "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064"
         + "A254515480BC13",
         "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE73"
         + "44FD2533264720",
         "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F8"
         + "72C9EA60D2EDF5",
         "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E"
         + "36DD1E80FABE46",
         "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B"
         + "82C71A38628AC8"]
    ].forEach(function (v) {
        var name = "RFC 6979 ECDSA " + v[0] + " " + v[1] + " '" + v[2] + "'";
        var alg = { name: "ECDSA", namedCurve: v[0] }, sa = { name: "ECDSA", hash: v[1] };
        test(name, function () {
            var pt = new Uint8Array(1 + v[3].length), pub;
            pt = unhex("04" + v[3] + v[4]);
            return S.importKey("raw", pt, alg, true, ["verify"]).then(function (k) {
                pub = k;
                T.check(name + " key algorithm", k.algorithm.namedCurve + " " + k.type,
                        v[0] + " public");
                return S.verify(sa, k, unhex(v[6] + v[7]), enc.encode(v[2]));
            }).then(function (ok) {
                T.check(name + " verify", ok, true);
                return S.verify(sa, pub, unhex(v[6] + v[7]), enc.encode(v[2] + "!"));
            }).then(function (ok) {
                T.check(name + " verify (other message)", ok, false);
                /* The private key as a JWK: sign (randomized k) then verify. */
                return S.importKey("jwk", { kty: "EC", crv: v[0], x: b64u(unhex(v[3])),
                                            y: b64u(unhex(v[4])), d: b64u(unhex(v[5])) },
                                   alg, true, ["sign"]);
            }).then(function (priv) {
                return S.sign(sa, priv, enc.encode(v[2]));
            }).then(function (sig) {
                T.check(name + " signature is r || s", sig.byteLength, v[6].length);
                return S.verify(sa, pub, sig, enc.encode(v[2]));
            }).then(function (ok) {
                T.check(name + " sign then verify", ok, true);
            });
        });
    });

    /* ---- RFC 7515 A.1 (HS256) and A.3 (ES256) JWS examples; RFC 7517 A.1 (RSA JWK),
     * A.2 (EC private JWK); RFC 7638 3.1 thumbprint of the RFC 7517 RSA key ---- */
    var JWS_PAYLOAD = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLm"
        + "NvbS9pc19yb290Ijp0cnVlfQ";
    test("RFC 7515 A.1 HS256", function () {
        var h = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
        var sig = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        return S.importKey("jwk", { kty: "oct", k: "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQ"
                                    + "Lr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow" },
                           { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"])
            .then(function (k) {
                return S.sign("HMAC", k, enc.encode(h + "." + JWS_PAYLOAD));
            }).then(function (mac) {
                T.check("RFC 7515 A.1 HS256 signature", b64u(new Uint8Array(mac)), sig);
            });
    });
    test("RFC 7515 A.3 ES256", function () {
        var h = "eyJhbGciOiJFUzI1NiJ9";
        var sig = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJq"
            + "PP3-Kg6NU1Q";
        var jwk = { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                    y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" };
        return S.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"])
            .then(function (k) {
                return S.verify({ name: "ECDSA", hash: "SHA-256" }, k, unb64u(sig),
                                enc.encode(h + "." + JWS_PAYLOAD));
            }).then(function (ok) {
                T.check("RFC 7515 A.3 ES256 verifies", ok, true);
            });
    });
    var RSA_N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhD"
        + "R1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4Q"
        + "yQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI"
        + "SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kE"
        + "gU8awapJzKnqDKgw";
    test("RFC 7517 A.1 RSA JWK", function () {
        var alg = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
        return S.importKey("jwk", { kty: "RSA", n: RSA_N, e: "AQAB", alg: "RS256",
                                    kid: "2011-04-29" }, alg, true, ["verify"])
            .then(function (k) {
                T.check("RFC 7517 A.1 modulusLength", k.algorithm.modulusLength, 2048);
                T.check("RFC 7517 A.1 publicExponent", hex(k.algorithm.publicExponent), "010001");
                T.check("RFC 7517 A.1 hash", k.algorithm.hash.name, "SHA-256");
                return S.exportKey("jwk", k);
            }).then(function (j) {
                T.check("RFC 7517 A.1 n round trip", j.n, RSA_N);
                T.check("RFC 7517 A.1 alg", j.alg, "RS256");
                /* RFC 7638 3.1: SHA-256 of {"e","kty","n"} is the thumbprint. */
                return S.digest("SHA-256", enc.encode('{"e":"' + j.e + '","kty":"RSA","n":"'
                                                      + j.n + '"}'));
            }).then(function (d) {
                T.check("RFC 7638 3.1 thumbprint", b64u(new Uint8Array(d)),
                        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
            });
    });
    test("RFC 7517 A.2 EC private JWK", function () {
        var jwk = { kty: "EC", crv: "P-256", x: "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
                    y: "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
                    d: "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE", use: "enc", kid: "1" };
        return S.importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, true,
                           ["deriveBits"]).then(function (k) {
            T.check("RFC 7517 A.2 type", k.type, "private");
            return S.exportKey("pkcs8", k).then(function (der) {
                return S.importKey("pkcs8", der, { name: "ECDH", namedCurve: "P-256" }, true,
                                   ["deriveBits"]);
            });
        }).then(function (k2) {
            return S.exportKey("jwk", k2);
        }).then(function (j) {
            T.check("RFC 7517 A.2 pkcs8 round trip", j.x + j.y + j.d, jwk.x + jwk.y + jwk.d);
        });
    });
    rejects("RFC 7517 A.2 with a 'd' of the wrong curve",
            S.importKey("jwk", { kty: "EC", crv: "P-384",
                                 x: "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
                                 y: "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM" },
                        { name: "ECDSA", namedCurve: "P-384" }, true, ["verify"]), "DataError");
    rejects("EC point not on the curve",
            S.importKey("jwk", { kty: "EC", crv: "P-256",
                                 x: "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
                                 y: "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyQ" },
                        { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]), "DataError");

    /* ---- PBKDF2: RFC 6070 section 2 (HMAC-SHA1; the 16777216-iteration case is left
     * out: seconds of CPU) and RFC 7914 section 11 (HMAC-SHA256) ---- */
    [
        ["password", "salt", 1, 20, "SHA-1", "0c60c80f961f0e71f3a9b524af6012062fe037a6"],
        ["password", "salt", 2, 20, "SHA-1", "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"],
        ["password", "salt", 4096, 20, "SHA-1", "4b007901b765489abead49d926f721d065a429c1"],
        ["passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25, "SHA-1",
         "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"],
        ["pass\u0000word", "sa\u0000lt", 4096, 16, "SHA-1", "56fa6aa75548099dcc37d7f03425e0c3"],
        ["passwd", "salt", 1, 64, "SHA-256",
         "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991"
         + "664b39d77ef317c71b845b1e30bd509112041d3a19783"],
        ["Password", "NaCl", 80000, 64, "SHA-256",
         "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549ad"
         + "b841b51c9b3176a272bdebba1d078478f62b397f33c8d"]
    ].forEach(function (v) {
        var name = "PBKDF2 " + v[4] + " " + JSON.stringify(v[0]) + " c=" + v[2];
        test(name, function () {
            return S.importKey("raw", enc.encode(v[0]), "PBKDF2", false, ["deriveBits"])
                .then(function (k) {
                    return S.deriveBits({ name: "PBKDF2", hash: v[4], salt: enc.encode(v[1]),
                                          iterations: v[2] }, k, v[3] * 8);
                }).then(function (bits) {
                    T.check(name, hex(bits), v[5]);
                });
        });
    });

    /* ---- RFC 5869 A.1, A.3 (SHA-256), A.4 (SHA-1) ---- */
    [
        ["SHA-256", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
         "f0f1f2f3f4f5f6f7f8f9", 42,
         "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
         "A.1"],
        ["SHA-256", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
         "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
         "A.3"],
        ["SHA-1", "0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
         42,
         "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896",
         "A.4"]
    ].forEach(function (v) {
        var name = "RFC 5869 " + v[6] + " HKDF " + v[0];
        test(name, function () {
            return S.importKey("raw", unhex(v[1]), "HKDF", false, ["deriveBits", "deriveKey"])
                .then(function (k) {
                    return S.deriveBits({ name: "HKDF", hash: v[0], salt: unhex(v[2]),
                                          info: unhex(v[3]) }, k, v[4] * 8);
                }).then(function (bits) {
                    T.check(name, hex(bits), v[5]);
                });
        });
    });

    /* ---- AES-GCM: test cases 1-4 of McGrew & Viega, "The Galois/Counter Mode of
     * Operation (GCM)", the specification NIST adopted in SP 800-38D ---- */
    var GCM_K = "feffe9928665731c6d6a8f9467308308", GCM_IV = "cafebabefacedbaddecaf888";
    var GCM_P = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c9595680953"
        + "2fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    var GCM_C = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b2546693"
        + "1c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";
    [
        ["00000000000000000000000000000000", "000000000000000000000000", "", "", "",
         "58e2fccefa7e3061367f1d57a4e7455a", 1],
        ["00000000000000000000000000000000", "000000000000000000000000",
         "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
         "ab6e47d42cec13bdf53a67b21257bddf", 2],
        [GCM_K, GCM_IV, GCM_P, "", GCM_C, "4d5c2af327cd64a62cf35abd2ba6fab4", 3],
        [GCM_K, GCM_IV, GCM_P.substring(0, 120), "feedfacedeadbeeffeedfacedeadbeefabaddad2",
         GCM_C.substring(0, 120), "5bc94fbc3221a5db94fae95ae7121a47", 4]
    ].forEach(function (v) {
        var name = "GCM test case " + v[6];
        var alg = { name: "AES-GCM", iv: unhex(v[1]) };
        if (v[3] !== "") {
            alg.additionalData = unhex(v[3]);
        }
        test(name, function () {
            var key;
            return S.importKey("raw", unhex(v[0]), "AES-GCM", true, ["encrypt", "decrypt"])
                .then(function (k) {
                    key = k;
                    return S.encrypt(alg, k, unhex(v[2]));
                }).then(function (ct) {
                    T.check(name + " ciphertext || tag", hex(ct), v[4] + v[5]);
                    return S.decrypt(alg, key, ct);
                }).then(function (pt) {
                    T.check(name + " decrypt", hex(pt), v[2]);
                    var bad = unhex(v[4] + v[5]);
                    bad[bad.length - 1] ^= 1;
                    return S.decrypt(alg, key, bad).then(function () {
                        T.fail(name + " altered tag", "decrypted");
                    }, function (e) {
                        T.check(name + " altered tag", e.name, "OperationError");
                    });
                });
        });
    });

    /* ---- NIST SP 800-38A F.2.1 (CBC-AES128, first block) and F.5.1 (CTR-AES128);
     * RFC 3394 4.1 (AES-KW, 128-bit KEK) ---- */
    var K38A = unhex("2b7e151628aed2a6abf7158809cf4f3c");
    var P38A = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
    test("SP 800-38A F.2.1 AES-CBC", function () {
        var alg = { name: "AES-CBC", iv: unhex("000102030405060708090a0b0c0d0e0f") }, key;
        return S.importKey("raw", K38A, "AES-CBC", false, ["encrypt", "decrypt"])
            .then(function (k) {
                key = k;
                return S.encrypt(alg, k, P38A);
            }).then(function (ct) {
                T.check("SP 800-38A F.2.1 blocks 1-2", hex(ct).substring(0, 64),
                        "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2");
                T.check("AES-CBC PKCS#7 padding block", ct.byteLength, 48);
                return S.decrypt(alg, key, ct);
            }).then(function (pt) {
                T.check("AES-CBC decrypt", hex(pt), hex(P38A));
            });
    });
    test("SP 800-38A F.5.1 AES-CTR", function () {
        var alg = { name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
                    length: 128 };
        return S.importKey("raw", K38A, "AES-CTR", false, ["encrypt"]).then(function (k) {
            return S.encrypt(alg, k, P38A);
        }).then(function (ct) {
            T.check("SP 800-38A F.5.1 blocks 1-2", hex(ct),
                    "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff");
        });
    });
    test("AES-CTR counter wraps within its length bits", function () {
        /* length 8: the counter byte ff wraps to 00 and the other bits stay: the second
         * block must equal a fresh encryption from ...ff00 of the same zeros. */
        var ctr = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), key;
        var ctr0 = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfe00");
        return S.importKey("raw", K38A, "AES-CTR", false, ["encrypt"]).then(function (k) {
            key = k;
            return Promise.all([
                S.encrypt({ name: "AES-CTR", counter: ctr, length: 8 }, key, new Uint8Array(32)),
                S.encrypt({ name: "AES-CTR", counter: ctr0, length: 8 }, key, new Uint8Array(16))
            ]);
        }).then(function (r) {
            T.check("AES-CTR wrap", hex(r[0]).substring(32), hex(r[1]));
        });
    });
    test("RFC 3394 4.1 AES-KW", function () {
        var kek;
        return S.importKey("raw", unhex("000102030405060708090A0B0C0D0E0F"), "AES-KW", false,
                           ["wrapKey", "unwrapKey"]).then(function (k) {
            kek = k;
            return S.importKey("raw", unhex("00112233445566778899AABBCCDDEEFF"), "AES-GCM", true,
                               ["encrypt"]);
        }).then(function (k) {
            return S.wrapKey("raw", k, kek, "AES-KW");
        }).then(function (w) {
            T.check("RFC 3394 4.1 wrapped", hex(w), "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371"
                    + "d2cfe5");
            return S.unwrapKey("raw", w, kek, "AES-KW", "AES-GCM", true, ["decrypt"]);
        }).then(function (k) {
            T.check("RFC 3394 unwrapped key", k.algorithm.name + " " + k.algorithm.length,
                    "AES-GCM 128");
            return S.exportKey("raw", k);
        }).then(function (raw) {
            T.check("RFC 3394 unwrapped bytes", hex(raw), "00112233445566778899aabbccddeeff");
        });
    });

    /* ---- RFC 4231 4.3 (HMAC-SHA-256 test case 2) ---- */
    test("RFC 4231 4.3 HMAC-SHA-256", function () {
        return S.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, false,
                           ["sign"]).then(function (k) {
            return S.sign("HMAC", k, enc.encode("what do ya want for nothing?"));
        }).then(function (mac) {
            T.check("RFC 4231 4.3", hex(mac),
                    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        });
    });

    /* ---- RFC 7748 6.1 X25519 (private keys as RFC 8037 JWKs) ---- */
    test("RFC 7748 6.1 X25519", function () {
        var apriv = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
        var apub = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
        var a = { kty: "OKP", crv: "X25519", d: b64u(unhex(apriv)), x: b64u(unhex(apub)) };
        var bpub = unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        return Promise.all([S.importKey("jwk", a, "X25519", false, ["deriveBits"]),
                            S.importKey("raw", bpub, "X25519", true, [])]).then(function (k) {
            return S.deriveBits({ name: "X25519", public: k[1] }, k[0], 256);
        }).then(function (bits) {
            T.check("RFC 7748 6.1 shared secret", hex(bits),
                    "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        });
    });

    /* ---- round trips with keys generated here ---- */
    test("ECDH P-384 agree, deriveKey AES-GCM", function () {
        var alg = { name: "ECDH", namedCurve: "P-384" }, a, b;
        return Promise.all([S.generateKey(alg, true, ["deriveBits", "deriveKey"]),
                            S.generateKey(alg, true, ["deriveBits"])]).then(function (kp) {
            a = kp[0];
            b = kp[1];
            T.check("ECDH public key usages", JSON.stringify(a.publicKey.usages), "[]");
            return Promise.all([
                S.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 384),
                S.deriveBits({ name: "ECDH", public: a.publicKey }, b.privateKey, null)
            ]);
        }).then(function (s) {
            T.check("ECDH shared secrets agree", hex(s[0]), hex(s[1]));
            T.check("ECDH secret length", s[0].byteLength, 48);
            return S.deriveKey({ name: "ECDH", public: b.publicKey }, a.privateKey,
                               { name: "AES-GCM", length: 256 }, false, ["encrypt"]);
        }).then(function (k) {
            T.check("deriveKey AES-GCM", k.algorithm.name + " " + k.algorithm.length + " "
                    + k.extractable, "AES-GCM 256 false");
        });
    });
    test("RSA-OAEP generate, encrypt, decrypt; RSA-PSS sign/verify", function () {
        var ga = { name: "RSA-OAEP", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]),
                   hash: "SHA-256" }, kp;
        return S.generateKey(ga, true, ["encrypt", "decrypt"]).then(function (k) {
            kp = k;
            return S.encrypt({ name: "RSA-OAEP", label: enc.encode("L") }, kp.publicKey,
                             enc.encode("secret"));
        }).then(function (ct) {
            T.check("RSA-OAEP ciphertext size", ct.byteLength, 128);
            return S.decrypt({ name: "RSA-OAEP", label: enc.encode("L") }, kp.privateKey, ct);
        }).then(function (pt) {
            T.check("RSA-OAEP decrypt", new TextDecoder().decode(pt), "secret");
            return S.exportKey("pkcs8", kp.privateKey);
        }).then(function (der) {
            return S.importKey("pkcs8", der, { name: "RSA-PSS", hash: "SHA-256" }, false,
                               ["sign"]);
        }).then(function (pss) {
            return S.sign({ name: "RSA-PSS", saltLength: 32 }, pss, enc.encode("m"));
        }).then(function (sig) {
            return S.exportKey("spki", kp.publicKey).then(function (spki) {
                return S.importKey("spki", spki, { name: "RSA-PSS", hash: "SHA-256" }, false,
                                   ["verify"]);
            }).then(function (pub) {
                return S.verify({ name: "RSA-PSS", saltLength: 32 }, pub, sig, enc.encode("m"));
            });
        }).then(function (ok) {
            T.check("RSA-PSS verify", ok, true);
        });
    });
    test("AES-GCM generateKey, wrapKey jwk with AES-GCM", function () {
        var iv = new Uint8Array(12), w;
        return Promise.all([S.generateKey({ name: "AES-GCM", length: 128 }, true,
                                          ["wrapKey", "unwrapKey"]),
                            S.generateKey({ name: "HMAC", hash: "SHA-384" }, true, ["sign"])])
            .then(function (k) {
                w = k[0];
                T.check("HMAC default length", k[1].algorithm.length, 1024);
                return S.wrapKey("jwk", k[1], w, { name: "AES-GCM", iv: iv }).then(function (b) {
                    return S.unwrapKey("jwk", b, w, { name: "AES-GCM", iv: iv },
                                       { name: "HMAC", hash: "SHA-384" }, true, ["sign"]);
                }).then(function (k2) {
                    return Promise.all([S.exportKey("raw", k[1]), S.exportKey("raw", k2)]);
                });
            }).then(function (raws) {
                T.check("wrapKey/unwrapKey jwk round trip", hex(raws[1]), hex(raws[0]));
            });
    });

    /* ---- errors: DOMException names ---- */
    rejects("unknown algorithm", S.importKey("raw", new Uint8Array(16), "AES-XTS", false,
                                             ["encrypt"]), "NotSupportedError");
    rejects("sign with AES", S.importKey("raw", new Uint8Array(16), "AES-GCM", false, ["sign"]),
            "SyntaxError");
    rejects("empty usages on a secret key",
            S.importKey("raw", new Uint8Array(16), "AES-GCM", false, []), "SyntaxError");
    rejects("bad AES key length", S.importKey("raw", new Uint8Array(15), "AES-CBC", false,
                                              ["encrypt"]), "DataError");
    rejects("spki garbage", S.importKey("spki", new Uint8Array(40), { name: "ECDSA",
            namedCurve: "P-256" }, false, ["verify"]), "DataError");
    rejects("unsupported curve", S.generateKey({ name: "ECDSA", namedCurve: "P-192" }, false,
                                               ["sign"]), "NotSupportedError");
    rejects("PBKDF2 extractable", S.importKey("raw", new Uint8Array(4), "PBKDF2", true,
                                              ["deriveBits"]), "SyntaxError");
    test("usage and extractable enforced", function () {
        return S.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt"])
            .then(function (k) {
                return Promise.all([
                    S.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, k, new Uint8Array(32))
                        .then(function () { return "resolved"; }, function (e) { return e.name; }),
                    S.exportKey("raw", k).then(function () { return "resolved"; },
                                               function (e) { return e.name; }),
                    S.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, k, new Uint8Array(1))
                        .then(function () { return "resolved"; }, function (e) { return e.name; })
                ]);
            }).then(function (r) {
                T.check("missing usage", r[0], "InvalidAccessError");
                T.check("not extractable", r[1], "InvalidAccessError");
                T.check("algorithm mismatch", r[2], "InvalidAccessError");
            });
    });
    test("error messages name the algorithm", function () {
        return S.importKey("jwk", { kty: "EC", crv: "P-256", x: "AA", y: "AA" },
                           { name: "ECDSA", namedCurve: "P-384" }, false, ["verify"])
            .then(function () {
                T.fail("crv mismatch", "resolved");
            }, function (e) {
                T.check("crv mismatch is a DOMException", e instanceof DOMException, true);
                T.check("crv mismatch message", e.message, "JWK member 'crv' must be P-384");
            });
    });
    test("timingSafeEqual", function () {
        T.check("timingSafeEqual equal", S.timingSafeEqual(enc.encode("ab"), enc.encode("ab")),
                true);
        T.check("timingSafeEqual differ", S.timingSafeEqual(enc.encode("ab"), enc.encode("ac")),
                false);
        try {
            S.timingSafeEqual(enc.encode("a"), enc.encode("ab"));
            T.fail("timingSafeEqual lengths", "no error");
        } catch (e) {
            T.check("timingSafeEqual lengths", e instanceof TypeError, true);
        }
    });
})();
/* A key's usages, extractable flag and algorithm cannot be widened by assignment. */
(function () {
    var S = crypto.subtle;
    T.async("CryptoKey slots are fixed", S.importKey("raw", new Uint8Array(16), "AES-GCM", false,
                                                     ["encrypt"]).then(function (k) {
        k.usages.push("decrypt");
        try {
            k._extractable = true;
        } catch (e) {
            /* strict mode: TypeError, as for any read-only property */
        }
        k.algorithm.name = "AES-CBC";
        return Promise.all([
            S.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, k, new Uint8Array(32))
                .then(function () { return "resolved"; }, function (e) { return e.name; }),
            S.exportKey("raw", k).then(function () { return "resolved"; },
                                       function (e) { return e.name; }),
            S.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, k, new Uint8Array(1))
                .then(function (c) { return c.byteLength; }, function (e) { return e.name; })
        ]);
    }).then(function (r) {
        T.check("pushed usage not granted", r[0], "InvalidAccessError");
        T.check("extractable not changed", r[1], "InvalidAccessError");
        T.check("algorithm copy not used", r[2], 17);
    }));
})();
/* Garbage in: random DER, JWK members, ciphertexts and signatures must reject with a
 * DOMException or TypeError (or verify false), never crash (ASan build) or resolve
 * to nonsense. A fixed-seed generator keeps the run reproducible. */
(function () {
    var S = crypto.subtle, seed = 12345, i;
    function rnd(n) {
        var u = new Uint8Array(n), j;
        for (j = 0; j < n; j++) {
            seed = (seed * 1103515245 + 12345) & 0x7fffffff;
            u[j] = seed >> 16 & 0xff;
        }
        return u;
    }
    function b64u(u) {
        return btoa(String.fromCharCode.apply(null, Array.prototype.slice.call(u)))
            .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    }
    var algs = [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDH", namedCurve: "P-521" },
                { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSA-OAEP", hash: "SHA-1" },
                "Ed25519", "X25519"];
    var settled = { rejected: 0, resolved: 0, bad: [] };
    var all = [];
    function expectReject(what, p) {
        all.push(p.then(function () {
            settled.bad.push(what + " resolved");
        }, function (e) {
            if (e instanceof DOMException || e instanceof TypeError) {
                settled.rejected++;
            } else {
                settled.bad.push(what + ": " + e);
            }
        }));
    }
    for (i = 0; i < 40; i++) {
        var a = algs[i % algs.length], der = rnd(1 + (i * 37) % 300);
        if (i % 3 === 0) {      /* a plausible DER header on random contents */
            der[0] = 0x30;
            der[1] = der.length > 2 ? der.length - 2 : 0;
        }
        expectReject("spki " + i, S.importKey("spki", der, a, true, []));
        expectReject("pkcs8 " + i, S.importKey("pkcs8", der, a, true, ["sign"]));
        expectReject("jwk " + i, S.importKey("jwk", { kty: i % 2 ? "EC" : "RSA", crv: "P-256",
                                                      x: b64u(rnd(i)), y: b64u(rnd(32)),
                                                      n: b64u(rnd(i + 1)), e: i % 5 ? "AQAB" : 7,
                                                      d: b64u(rnd(i % 40)) },
                                             a, true, ["verify"]));
    }
    all.push(S.generateKey({ name: "AES-GCM", length: 256 }, false, ["decrypt"]).then(function (k) {
        var ps = [];
        for (i = 0; i < 20; i++) {
            expectReject("gcm " + i, S.decrypt({ name: "AES-GCM", iv: rnd(12) }, k, rnd(i * 3)));
        }
        return Promise.all(ps);
    }));
    all.push(S.generateKey({ name: "ECDSA", namedCurve: "P-384" }, false, ["sign", "verify"])
        .then(function (kp) {
            var ps = [];
            for (i = 0; i < 20; i++) {
                ps.push(S.verify({ name: "ECDSA", hash: "SHA-384" }, kp.publicKey, rnd(i * 5),
                                 rnd(10)).then(function (ok) {
                                     if (ok !== false) {
                                         settled.bad.push("random ECDSA signature verified");
                                     }
                                 }));
            }
            return Promise.all(ps);
        }));
    T.async("garbage in", Promise.all(all).then(function () {
        return Promise.all(all);
    }).then(function () {
        T.check("garbage in: every bad input rejected", settled.bad.join("; "), "");
        T.check("garbage in: rejections", settled.rejected >= 140, true);
    }));
})();
/* RSA keys past 4096 bits: private-key operations go through the crypto job (inline
 * here: the test heap has no event loop). One key (generating is slow), used for
 * RSA-OAEP and, re-imported, for RSA-PSS. */
(function () {
    var S = crypto.subtle, enc = new TextEncoder(), oaep, pss;
    var PSS = { name: "RSA-PSS", hash: "SHA-256" };
    T.async("RSA 4160 bits", S.generateKey({ name: "RSA-OAEP", modulusLength: 4160,
                                             hash: "SHA-512",
                                             publicExponent: new Uint8Array([1, 0, 1]) },
                                           true, ["encrypt", "decrypt"]).then(function (kp) {
        oaep = kp;
        return Promise.all([S.exportKey("pkcs8", kp.privateKey),
                            S.exportKey("spki", kp.publicKey)]);
    }).then(function (ders) {
        return Promise.all([S.importKey("pkcs8", ders[0], PSS, false, ["sign"]),
                            S.importKey("spki", ders[1], PSS, false, ["verify"])]);
    }).then(function (keys) {
        pss = { privateKey: keys[0], publicKey: keys[1] };
        return S.encrypt({ name: "RSA-OAEP", label: enc.encode("x") }, oaep.publicKey,
                         enc.encode("big"));
    }).then(function (ct) {
        return S.decrypt({ name: "RSA-OAEP", label: enc.encode("x") }, oaep.privateKey, ct);
    }).then(function (pt) {
        T.check("RSA-OAEP 4160 decrypt", new TextDecoder().decode(pt), "big");
        return S.decrypt({ name: "RSA-OAEP" }, oaep.privateKey, new Uint8Array(520))
            .then(function () { return "resolved"; }, function (e) { return e.name; });
    }).then(function (name) {
        T.check("RSA-OAEP 4160 bad ciphertext", name, "OperationError");
        return S.sign({ name: "RSA-PSS", saltLength: 32 }, pss.privateKey, enc.encode("m"));
    }).then(function (sig) {
        T.check("RSA-PSS 4160 signature size", sig.byteLength, 520);
        return S.verify({ name: "RSA-PSS", saltLength: 32 }, pss.publicKey, sig, enc.encode("m"));
    }).then(function (ok) {
        T.check("RSA-PSS 4160 verify", ok, true);
    }));
})();
