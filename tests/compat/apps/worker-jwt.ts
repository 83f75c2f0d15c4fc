// @tsndr/cloudflare-worker-jwt as its README shows for Workers: sign, verify,
// decode with HS256 and a shared secret (iat/nbf/exp fixed, so that tokens are
// the same bytes on both sides), plus the library's rejections.
import jwt from "@tsndr/cloudflare-worker-jwt";

const FAR = 4102444800;       // 2100-01-01

export default {
    async fetch(request: Request, env: { JWT_SECRET: string }): Promise<Response> {
        const url = new URL(request.url);
        const sub = url.searchParams.get("sub") ?? "1234";
        const alg = url.searchParams.get("alg") ?? "HS256";
        const token = await jwt.sign({ sub, name: "John Doe", iat: 1700000000, nbf: 1700000000,
                                       exp: FAR }, env.JWT_SECRET, { algorithm: alg });
        const expired = await jwt.sign({ sub, iat: 1600000000, exp: 1600000060 },
                                       env.JWT_SECRET, alg);
        const future = await jwt.sign({ sub, iat: 1700000000, nbf: FAR }, env.JWT_SECRET, alg);
        const reasons: string[] = [];
        for (const t of [expired, future, token.slice(0, -2) + "xx"]) {
            try {
                await jwt.verify(t, env.JWT_SECRET, { algorithm: alg, throwError: true });
                reasons.push("valid");
            } catch (e) {
                reasons.push((e as Error).message);
            }
        }
        return Response.json({
            token,
            valid: Boolean(await jwt.verify(token, env.JWT_SECRET, alg)),
            wrongSecret: Boolean(await jwt.verify(token, "not the secret", alg)),
            decoded: jwt.decode(token),
            reasons,
        });
    },
};
