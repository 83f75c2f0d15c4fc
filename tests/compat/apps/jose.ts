// jose 6 in a Worker: HS256 JWTs signed and verified with WebCrypto.
import { SignJWT, jwtVerify, decodeJwt, decodeProtectedHeader, errors } from "jose";

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
