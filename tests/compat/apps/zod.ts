// zod 4 validating JSON request bodies in a Workers fetch handler.
import { z } from "zod";

const User = z.object({
    name: z.string().min(2).max(20),
    age: z.number().int().nonnegative().optional(),
    email: z.string().email(),
    role: z.enum(["admin", "user"]).default("user"),
    tags: z.array(z.string()).max(3).default([]),
});

const Query = z.object({
    page: z.coerce.number().int().min(1).default(1),
    sort: z.union([z.literal("asc"), z.literal("desc")]).optional(),
});

const Shape = z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("circle"), r: z.number().positive() }),
    z.object({ kind: z.literal("rect"), w: z.number(), h: z.number() }),
]);

function issues(e: z.ZodError) {
    return e.issues.map((i) => ({ path: i.path, code: i.code, message: i.message }));
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        if (url.pathname === "/user" && request.method === "POST") {
            const r = User.safeParse(await request.json());
            return r.success
                ? Response.json({ ok: true, user: r.data })
                : Response.json({ ok: false, issues: issues(r.error) }, { status: 400 });
        }
        if (url.pathname === "/query") {
            const r = Query.safeParse(Object.fromEntries(url.searchParams));
            return Response.json(r.success ? r.data : { issues: issues(r.error) });
        }
        if (url.pathname === "/shape" && request.method === "POST") {
            const r = Shape.safeParse(await request.json());
            return Response.json(r.success ? { area: r.data.kind === "circle"
                ? Math.round(Math.PI * r.data.r * r.data.r) : r.data.w * r.data.h }
                : { issues: issues(r.error) });
        }
        if (url.pathname === "/emoji") {
            // z.emoji(): new RegExp("^(\\p{Extended_Pictographic}|\\p{Emoji_Component})+$", "u")
            const s = url.searchParams.get("s") ?? "";
            const r = z.string().emoji().safeParse(s);
            return Response.json({ ok: r.success });
        }
        if (url.pathname === "/throw") {
            try {
                User.parse({ name: 1 });
                return new Response("no throw");
            } catch (e) {
                const err = e as z.ZodError;
                return Response.json({ name: err.name, isZod: e instanceof z.ZodError,
                                       count: err.issues.length });
            }
        }
        return new Response("not found", { status: 404 });
    },
};
