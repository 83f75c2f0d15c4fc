// scripts/bench/run's hono app: the same source for every JavaScript peer
// (nanod: scripts/nanod-build; Node: esbuild + @hono/node-server, node.ts;
// workerd: esbuild ES module). Routes as a small API writes them: text, JSON
// of the query, a path parameter, behind one async middleware (poweredBy:
// `await next()`, then a header), so the middleware chain is measured too.
//   GET /              -> "Hello World"
//   GET /json?a=1&b=two -> {"query":{"a":"1","b":"two"},"n":2,"ok":true}
//   GET /user/42       -> {"id":"42","ok":true}
import { Hono } from "hono";
import { poweredBy } from "hono/powered-by";

const app = new Hono();

app.use("*", poweredBy());
app.get("/", (c) => c.text("Hello World"));
app.get("/json", (c) => {
    const query = c.req.query();
    return c.json({ query, n: Object.keys(query).length, ok: true });
});
app.get("/user/:id", (c) => c.json({ id: c.req.param("id"), ok: true }));

export default app;
