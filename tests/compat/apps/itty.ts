// itty-router in a Worker: route patterns become RegExps with named groups
// at run time (the RegExp issue 19), params and query parsed by the router.
import { AutoRouter, error } from "itty-router";

const router = AutoRouter();

router
    .get("/users/:id", ({ params, query }) => ({ user: params.id, query }))
    .get("/files/:dir/:name.:ext", ({ params }) => params)
    .get("/opt/:a?", ({ params }) => ({ a: params.a ?? null }))
    .get("/rest/*", (req) => ({ path: new URL(req.url).pathname }))
    .post("/echo", async (req) => ({ got: await req.json() }))
    .get("/teapot", () => error(418, "short and stout"));

export default { fetch: router.fetch };
