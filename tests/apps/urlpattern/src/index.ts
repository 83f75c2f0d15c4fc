// A Workers app that routes with URLPattern and no framework (tests/e2e/test_urlpattern.py
// builds it with scripts/nanod-build and serves it with `source =`).
type Params = Record<string, string | undefined>;
type Handler = (params: Params, req: Request, match: URLPatternResult) => Response | Promise<Response>;

const json = (data: unknown, status = 200): Response =>
    new Response(JSON.stringify(data), { status, headers: { "content-type": "application/json" } });

class Router {
    private routes: { method: string; pattern: URLPattern; handler: Handler }[] = [];

    on(method: string, pathname: string, handler: Handler): this {
        this.routes.push({ method, pattern: new URLPattern({ pathname }), handler });
        return this;
    }

    async handle(req: Request): Promise<Response> {
        for (const { method, pattern, handler } of this.routes) {
            const match = pattern.exec(req.url);
            if (match && method === req.method) {
                return handler(match.pathname.groups, req, match);
            }
        }
        return json({ error: "not found", path: new URL(req.url).pathname }, 404);
    }
}

const users = new Map<string, { name: string }>([["1", { name: "ada" }], ["2", { name: "bob" }]]);

const router = new Router()
    .on("GET", "/users/:id(\\d+)", ({ id }) => {
        const user = users.get(id ?? "");
        return user ? json({ id, ...user }) : json({ error: `no user ${id}` }, 404);
    })
    .on("POST", "/users/:id(\\d+)", async ({ id }, req) => {
        const body = (await req.json()) as { name: string };
        users.set(id!, { name: body.name });
        return json({ id, created: body.name }, 201);
    })
    .on("GET", "/files/*", (params) => json({ path: params["0"] }))
    .on("GET", "/blog/:year(\\d{4}){/:month(\\d{2})}?/:slug", ({ year, month, slug }) =>
        json({ year, month: month ?? null, slug }))
    .on("GET", "/api/:version(v1|v2)/*?", ({ version }, req, match) =>
        json({ version, rest: match.pathname.groups["0"] ?? null,
               search: match.search.input }));

const tenant = new URLPattern({ hostname: ":tenant.shop.test" });

export default {
    async fetch(req: Request): Promise<Response> {
        const t = tenant.exec(req.url);
        if (t) {
            return json({ tenant: t.hostname.groups.tenant, path: new URL(req.url).pathname });
        }
        return router.handle(req);
    },
};
