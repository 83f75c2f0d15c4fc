// hono the way its Cloudflare Workers guide shows it: `export default app`,
// standard middleware, routing, validation, errors.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { logger } from "hono/logger";
import { cors } from "hono/cors";
import { basicAuth } from "hono/basic-auth";
import { bearerAuth } from "hono/bearer-auth";
import { secureHeaders } from "hono/secure-headers";
import { poweredBy } from "hono/powered-by";
import { getCookie, setCookie } from "hono/cookie";
import { validator } from "hono/validator";

type Bindings = { GREETING: string };

const app = new Hono<{ Bindings: Bindings }>();

app.use("*", logger());
app.use("*", poweredBy());
app.use("/api/*", cors({ origin: "https://example.com", allowMethods: ["GET", "POST"] }));
app.use("/admin/*", basicAuth({ username: "admin", password: "s3cret" }));
app.use("/token/*", bearerAuth({ token: "abc123" }));
app.use("/secure/*", secureHeaders());

app.get("/", (c) => c.text("Hello Hono!"));
app.get("/env", (c) => c.json({ greeting: c.env.GREETING }));
app.get("/api/users/:id", (c) => {
    const id = c.req.param("id");
    return c.json({ id, q: c.req.query("q") ?? null, all: c.req.queries("t") ?? [] });
});
app.post(
    "/api/users",
    validator("json", (value, c) => {
        const v = value as { name?: unknown };
        if (typeof v.name !== "string" || v.name.length === 0) {
            return c.json({ error: "name required" }, 400);
        }
        return { name: v.name };
    }),
    (c) => {
        const { name } = c.req.valid("json");
        return c.json({ created: name.toUpperCase() }, 201);
    }
);
app.get("/posts/:year{[0-9]{4}}/:slug", (c) => c.json(c.req.param()));
app.get("/wild/*", (c) => c.text("wild " + c.req.path));
app.get("/admin/panel", (c) => c.text("admin ok"));
app.get("/token/data", (c) => c.json({ ok: true }));
app.get("/secure/page", (c) => c.html("<h1>secure</h1>"));
app.get("/cookie", (c) => {
    const seen = getCookie(c, "visit");
    setCookie(c, "visit", String(Number(seen ?? "0") + 1), { path: "/", httpOnly: true });
    return c.text("visit " + (seen ?? "none"));
});
app.get("/redirect", (c) => c.redirect("/"));
app.get("/teapot", () => {
    throw new HTTPException(418, { message: "short and stout" });
});
app.get("/boom", () => {
    throw new Error("kaboom");
});

const api = new Hono();
api.get("/ping", (c) => c.json({ pong: true }));
app.route("/v1", api);

app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));
app.onError((err, c) => {
    if (err instanceof HTTPException) {
        return c.json({ error: err.message, status: err.status, name: err.name }, err.status);
    }
    return c.json({ error: err.message, name: err.name }, 500);
});

export default app;
