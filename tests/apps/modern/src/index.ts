// The modern test app (tests/e2e/test_modern.py builds it with scripts/nanod-build).
import { Rect, Square, sleep, range, type Shape } from "./shapes";

type Env = { GREETING?: string };
type Handler = (req: Request, env: Env, url: URL) => Promise<Response> | Response;

const json = (data: unknown, status = 200): Response =>
    new Response(JSON.stringify(data), { status, headers: { "content-type": "application/json" } });

class HttpError extends Error {
    constructor(public status: number, message: string) {
        super(message);
        this.name = "HttpError";
    }
}

const routes: Record<string, Handler> = {
    "/classes": () => {
        const shapes: Shape[] = [new Rect(2, 3), new Square(4)];
        return json({ names: shapes.map((s) => s.name), areas: shapes.map((s) => s.area()),
                      count: Rect.count > 0, instance: shapes[1] instanceof Rect });
    },
    "/async": async () => {
        const t0 = Date.now();
        await sleep(5);
        const results = await Promise.all([1, 2, 3].map(async (n) => {
            await sleep(1);
            return n * 10;
        }));
        return json({ results, waited: Date.now() - t0 >= 4 });
    },
    "/syntax": (req, env) => {
        const { a, b: { c = 5 } = {}, ...rest } = { a: 1, b: {}, d: 4, e: 5 } as any;
        const [first, , third = "x", ...others] = [10, 20, undefined, 40, 50];
        const merged = { ...rest, a, c, more: [...others, ...range(3)] };
        const deep: any = { x: { y: null } };
        const greeting = env.GREETING ?? "none";
        let total = 0;
        for (const n of [1, 2, 3]) {
            total += n;
        }
        const label = `${greeting}: ${first}+${third} total=${total}`;
        return json({ merged, label, optional: deep?.x?.y?.z ?? "dflt", call: deep.f?.() ?? null,
                      exp: 2 ** 10, chars: [..."hé😀"].length });
    },
    "/map": () => {
        const m = new Map<string, number>([["one", 1], ["two", 2]]);
        m.set("three", 3);
        const out: string[] = [];
        for (const [k, v] of m) {
            out.push(`${k}=${v}`);
        }
        const s = new Set([...m.values(), 1, 2]);
        return json({ out, keys: Array.from(m.keys()), set: [...s], size: s.size,
                      entries: Object.entries({ x: 1 }), includes: [1, 2].includes(2) });
    },
    "/headers": (req) => {
        const names: string[] = [];
        for (const [name, value] of req.headers) {
            if (name.startsWith("x-")) {
                names.push(`${name}:${value}`);
            }
        }
        return json({ names });
    },
    "/error": async () => {
        throw new HttpError(418, "teapot");
    },
    "/upstream": async (req, env, url) => {
        const target = url.searchParams.get("u");
        if (!target) {
            throw new HttpError(400, "no u");
        }
        const r = await fetch(target, { method: "POST", body: JSON.stringify({ hello: "world" }),
                                        headers: { "content-type": "application/json" } });
        const data: any = await r.json();
        return json({ status: r.status, method: data?.method, body: JSON.parse(data?.body ?? "{}") });
    }
};

export default {
    async fetch(request: Request, env: Env): Promise<Response> {
        const url = new URL(request.url);
        const handler = routes[url.pathname];
        try {
            if (!handler) {
                return json({ error: `no route ${url.pathname}` }, 404);
            }
            return await handler(request, env, url);
        } catch (e) {
            if (e instanceof HttpError) {
                return json({ error: e.message, name: e.name }, e.status);
            }
            throw e;
        }
    }
};
