// Node's side of the jose interop in test_crypto.py: jose 6 (tests/compat's
// pinned copy, path in $JOSE) signs JWTs with PEM keys made by openssl, or
// verifies JWTs against a JWKS. Reads a JSON request on stdin, writes JSON.
//   {"mode": "sign", "keys": [{alg, kid, pem}], "payload": {...}}
//       -> {"tokens": {alg: jwt}, "jwks": {keys}, "private": {alg: jwk}}
//   {"mode": "verify", "jwks": {keys}, "tokens": {name: jwt}}
//       -> {name: {ok, payload, alg, kid} | {ok: false, code}}
import { pathToFileURL } from "node:url";

const jose = await import(pathToFileURL(process.env.JOSE).href);
let input = "";
for await (const chunk of process.stdin) {
    input += chunk;
}
const req = JSON.parse(input);
const out = {};
if (req.mode === "sign") {
    out.tokens = {};
    out.jwks = { keys: [] };
    out.private = {};
    for (const k of req.keys) {
        const priv = await jose.importPKCS8(k.pem, k.alg, { extractable: true });
        const jwk = await jose.exportJWK(priv);
        out.private[k.alg] = { ...jwk, kid: k.kid };
        const { d, p, q, dp, dq, qi, ...pub } = jwk;
        out.jwks.keys.push({ ...pub, kid: k.kid, alg: k.alg, use: "sig" });
        out.tokens[k.alg] = await new jose.SignJWT(req.payload)
            .setProtectedHeader({ alg: k.alg, kid: k.kid, typ: "JWT" })
            .sign(priv);
    }
} else {
    const set = jose.createLocalJWKSet(req.jwks);
    for (const [name, token] of Object.entries(req.tokens)) {
        try {
            const { payload, protectedHeader } = await jose.jwtVerify(token, set);
            out[name] = { ok: true, payload, alg: protectedHeader.alg, kid: protectedHeader.kid };
        } catch (e) {
            out[name] = { ok: false, code: e.code, message: e.message };
        }
    }
}
process.stdout.write(JSON.stringify(out));
