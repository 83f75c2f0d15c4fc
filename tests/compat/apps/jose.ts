// jose 6 in a Worker: HS256 JWTs signed and verified with WebCrypto, and the
// RS256 / ES256 / EdDSA flows against a JWKS (createLocalJWKSet).
import { SignJWT, jwtVerify, decodeJwt, decodeProtectedHeader, errors, importJWK,
         createLocalJWKSet, CompactEncrypt, compactDecrypt } from "jose";
import type { JWK } from "jose";

const secret = new TextEncoder().encode("a-string-secret-at-least-256-bits-long");

async function sign(claims: Record<string, unknown>, exp: number) {
    return new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuedAt(1700000000)
        .setIssuer("urn:nanod:issuer")
        .setAudience("urn:nanod:audience")
        .setExpirationTime(exp)
        .sign(secret);
}

// Test keys only (public in this repository): made with `openssl genpkey` (RSA 2048,
// P-256, Ed25519) and exported as JWKs by jose in Node.
const PRIVATE_JWKS: Record<string, JWK> = {
    "RS256": {
        "kty": "RSA",
        "n": "tfLlxO_lswHPJYf9oITBnqO7o-Sme8QbkLqO5g5b4Cg1V--3eEdJMbY5-owgE0kkjhftgza8_2klfrjBMdlNZ0EWkSgGpAfm5PC6ORGHaUkS3Gu43e93Nz1xkQNbXNVDGehYPrhl60sTA0VRH99Gea2ZARUmH95zIsEpUIu6_n57kmeX7S9OOP91j60opufHN0KRTnhZP37xsivly7fqPfPGHZqIPuFtEzqCXrSB0XIhF0owrVqau6RuQ7IJbNyrmR_sB71x3LsfOAkHUDg91HQcwosLFDAe-lsRLWxkQ7ggI9731TT_9j7xTCE5MDdIU3x-TKwTn7fNfw3D2icT7Q",
        "e": "AQAB",
        "d": "GRidP6o1PRkZSNx2i77z890yovsFSZn1kWNiFXJSktsI7I2oeUMf4eb4HUpZnD9g9uZvAMO6kuIeZVm3cBhAeGb-ZVwnelWKr_ZSQU_dJRUKsHN9RsNiZrCnavCTF_1kaXzmOxR1Hly3DSLw-xvxXRQoQAF6RjgJGniZKb50NujgfUEY9nmcGxaPGXgn27GainR_aG4mQ9Dg23lBKBn2MwImAEfP7B-LmrOyUtBoIcwj0eyekhOiI333lVzE09lY07fhjhRndISwt4EzKttSm4eU990yjlHEj3MvZXpAeoMVWNhCndeFT3AZLSO95KivmsP7d_wu85xQDaic1dxW0w",
        "p": "6_bBdPBdvUoyGrzTOEWvAAJLl08RL2GM4Cjo9IJ5VuBcZyTXsYwoK7t2x-It6Mb_OvXbJFVkPArCllsVauY6dCGF3YUaFXZbStI4a2K-UJw782wgJgGiEdAXZJQyJTMtKXoD5wrY4wmLWA6O56cgeFhXFBw20tJFh-6vrYIm3P8",
        "q": "xWX-dgjLxbrqPGvQvWTDTK2X5UFUppqjgOUr30AQuyC_8HfwIYk1DOMMd9ILzZyENqD5rO1uLBRMDlSkqCMj2OBEZQeLtm6OA2AVGLRiFQN7XYE7oXjIDfOvOW4XfA8KRD-jUYcGV1JqfKUDYsHIp89ueWJME9JheSZf6gJiUxM",
        "dp": "dHFXtHJtf9zebu1hunJA0ttPHEMLcvtLvs7Rbt_4KxQa5Vd8DYThyfr_udH239lb2Ge9FegBx9NzhSk7n34vuGFWoyNs5Mx8bqbg6rVWv4bp2s0v7DGAHhQ3hw3O1Sa1EbPBu0FSGG_8UJ8WjGCgGGNXzXfC4jSb1WHHVfNVZFc",
        "dq": "Z37vaIF6HWS_1QgOPI6tGvHVNv0G3gcr_LOrSfT0ELi-Cd1IiLzAlM4iRlxZlecfJulFntYpsnC947GbVxB9hgMnuPS42uCiEsD4rqg82Jmnv8G3OxTxhuciEvFW3NOh5WCcR22M9JGghVObL9c8Vkeau4e_LZFbS8LD_RRc6wM",
        "qi": "SK9__0bS6zzQn2Mx4KgJbl6MSbO3i6HqLd-eQDSh6yo8VWpN5Gy1UYVPEmosmB5zCvzjxu0AMjzsIVuKSpmDH8FtM-XsGuWqpCja4W1A9X4TSqP6ABjGnZ0_RyBrAKqnmCB2f6nnP7x2YtmH2o6WzcQ3-d-7haQXz5DGaHBWmZY",
        "kid": "rsa-2026",
        "alg": "RS256"
    },
    "ES256": {
        "kty": "EC",
        "x": "bEOhDH6hCMAgiW0DFLt90KgsbzTZ-z7rY4vj5ZonRk0",
        "y": "hopqY2WEb7z_wkHa088WB_1cTtCxR-VTe-gtHcTarJg",
        "crv": "P-256",
        "d": "TrGV7VAm_HWWer_m61_Qd3LrmZ02Gy_o1BzdUv4WK6g",
        "kid": "ec-2026",
        "alg": "ES256"
    },
    "EdDSA": {
        "crv": "Ed25519",
        "d": "SfnVozh8I7EeVsy-sOyy7opXLYubdhLE7fYEuyws2co",
        "x": "6PeVYuc1doRcM-dpFAtVZr75-GvFyhOPCD8EhkYa70E",
        "kty": "OKP",
        "kid": "ed-2026",
        "alg": "EdDSA"
    }
};
const JWKS = {
    "keys": [
        {
            "kty": "RSA",
            "n": "tfLlxO_lswHPJYf9oITBnqO7o-Sme8QbkLqO5g5b4Cg1V--3eEdJMbY5-owgE0kkjhftgza8_2klfrjBMdlNZ0EWkSgGpAfm5PC6ORGHaUkS3Gu43e93Nz1xkQNbXNVDGehYPrhl60sTA0VRH99Gea2ZARUmH95zIsEpUIu6_n57kmeX7S9OOP91j60opufHN0KRTnhZP37xsivly7fqPfPGHZqIPuFtEzqCXrSB0XIhF0owrVqau6RuQ7IJbNyrmR_sB71x3LsfOAkHUDg91HQcwosLFDAe-lsRLWxkQ7ggI9731TT_9j7xTCE5MDdIU3x-TKwTn7fNfw3D2icT7Q",
            "e": "AQAB",
            "kid": "rsa-2026",
            "alg": "RS256",
            "use": "sig"
        },
        {
            "kty": "EC",
            "x": "bEOhDH6hCMAgiW0DFLt90KgsbzTZ-z7rY4vj5ZonRk0",
            "y": "hopqY2WEb7z_wkHa088WB_1cTtCxR-VTe-gtHcTarJg",
            "crv": "P-256",
            "kid": "ec-2026",
            "alg": "ES256",
            "use": "sig"
        },
        {
            "crv": "Ed25519",
            "x": "6PeVYuc1doRcM-dpFAtVZr75-GvFyhOPCD8EhkYa70E",
            "kty": "OKP",
            "kid": "ed-2026",
            "alg": "EdDSA",
            "use": "sig"
        }
    ]
};
const jwks = createLocalJWKSet(JWKS);
const JWKS_ISSUER = "https://issuer.example";

function joseError(e: unknown, status: number): Response {
    const err = e as errors.JOSEError;
    return Response.json({ ok: false, name: err.name, code: err.code,
                           isJose: e instanceof errors.JOSEError }, { status });
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        if (url.pathname === "/sign") {
            const jwt = await sign({ sub: url.searchParams.get("sub") ?? "ada", admin: true },
                                   4102444800);
            return Response.json({ jwt, header: decodeProtectedHeader(jwt), claims: decodeJwt(jwt) });
        }
        if (url.pathname === "/verify") {
            const token = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
            try {
                const { payload, protectedHeader } = await jwtVerify(token, secret, {
                    issuer: "urn:nanod:issuer", audience: "urn:nanod:audience",
                });
                return Response.json({ ok: true, payload, protectedHeader });
            } catch (e) {
                const err = e as errors.JOSEError;
                return Response.json({ ok: false, name: err.name, code: err.code,
                                       message: err.message,
                                       isJose: e instanceof errors.JOSEError }, { status: 401 });
            }
        }
        if (url.pathname === "/jwks") {
            return Response.json(JWKS);
        }
        if (url.pathname === "/jwks/sign") {
            // Sign with the private JWK, then verify through the JWKS. RS256 and EdDSA
            // signatures are deterministic (compared byte for byte with Node's);
            // ECDSA's are random, so ES256 shows only the signature's length.
            const alg = url.searchParams.get("alg") ?? "RS256";
            const jwk = PRIVATE_JWKS[alg];
            if (jwk === undefined) {
                return Response.json({ error: "no key for " + alg }, { status: 400 });
            }
            const key = await importJWK(jwk, alg);
            const jwt = await new SignJWT({ sub: "grace", n: 7 })
                .setProtectedHeader({ alg, kid: jwk.kid, typ: "JWT" })
                .setIssuedAt(1700000000)
                .setIssuer(JWKS_ISSUER)
                .setAudience("nanod")
                .setExpirationTime(4102444800)
                .sign(key);
            const [h, p, s] = jwt.split(".");
            try {
                const { payload, protectedHeader } = await jwtVerify(jwt, jwks, {
                    issuer: JWKS_ISSUER, audience: "nanod",
                });
                return Response.json({ signingInput: h + "." + p,
                                       signature: alg === "ES256" ? s.length : s,
                                       payload, protectedHeader });
            } catch (e) {
                return joseError(e, 500);
            }
        }
        if (url.pathname === "/jwks/verify") {
            const token = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "");
            try {
                const { payload, protectedHeader } = await jwtVerify(token, jwks, {
                    issuer: JWKS_ISSUER, audience: "nanod",
                });
                return Response.json({ ok: true, payload, protectedHeader });
            } catch (e) {
                return joseError(e, 401);
            }
        }
        if (url.pathname === "/jwe") {
            // Encrypt then decrypt (JWE is randomized: the answer is the round trip).
            const alg = url.searchParams.get("alg") ?? "dir";
            const enc = url.searchParams.get("enc") ?? "A256GCM";
            let encKey: CryptoKey | Uint8Array, decKey: CryptoKey | Uint8Array;
            if (alg.startsWith("ECDH-ES") || alg.startsWith("RSA-OAEP")) {
                const { alg: _a, kid: _k, ...jwk } = PRIVATE_JWKS[alg.startsWith("ECDH") ? "ES256"
                                                                                       : "RS256"];
                const { d, p, q, dp, dq, qi, ...pub } = jwk;
                encKey = await importJWK(pub, alg) as CryptoKey;
                decKey = await importJWK(jwk, alg) as CryptoKey;
            } else if (alg.startsWith("PBES2")) {
                encKey = decKey = new TextEncoder().encode("correct horse battery staple");
            } else {
                // dir: the content key (CBC-HS keys are twice the AES size); else the KEK.
                const bits = alg === "dir" ? Number(enc.slice(1, 4)) * (enc.includes("HS") ? 2 : 1)
                                           : Number(alg.slice(1, 4));
                encKey = decKey = new Uint8Array(bits / 8).fill(7);
            }
            try {
                const jwe = await new CompactEncrypt(new TextEncoder().encode("hello " + alg))
                    .setProtectedHeader({ alg, enc })
                    .encrypt(encKey);
                const { plaintext, protectedHeader } = await compactDecrypt(jwe, decKey, {
                    keyManagementAlgorithms: [alg],
                });
                return Response.json({ plaintext: new TextDecoder().decode(plaintext),
                                       alg: protectedHeader.alg, enc: protectedHeader.enc,
                                       parts: jwe.split(".").length });
            } catch (e) {
                return joseError(e, 500);
            }
        }
        if (url.pathname === "/expired") {
            const jwt = await sign({ sub: "old" }, 1700000001);
            try {
                await jwtVerify(jwt, secret);
                return new Response("accepted");
            } catch (e) {
                const err = e as errors.JWTExpired;
                return Response.json({ name: err.name, code: err.code, claim: err.claim,
                                       reason: err.reason });
            }
        }
        return new Response("not found", { status: 404 });
    },
};
