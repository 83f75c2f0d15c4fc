// cookie 2 in a Worker: the request's Cookie header parsed with parseCookie,
// Set-Cookie headers written with stringifySetCookie (every attribute, Expires
// from a Date), parsed back with parseSetCookie, custom encode/decode, and the
// TypeErrors for invalid names, values, domains, paths and dates.
import * as cookie from "cookie";

function json(v: unknown, status = 200, headers?: Headers): Response {
    const h = headers ?? new Headers();
    h.set("content-type", "application/json");
    return new Response(JSON.stringify(v), { status, headers: h });
}

function errorOf(f: () => unknown): unknown {
    try {
        return { ok: f() };
    } catch (e) {
        const err = e as Error;
        return { error: err.name, message: err.message };
    }
}

// A Set-Cookie object as JSON: Dates as ISO strings and as their own text.
function show(c: cookie.SetCookie): unknown {
    const o: Record<string, unknown> = { ...c };
    if (c.expires) {
        o.expires = c.expires.toISOString();
        o.expiresTime = c.expires.getTime();
    }
    return o;
}

export default {
    fetch(request: Request): Response {
        const url = new URL(request.url);
        const p = url.searchParams;
        switch (url.pathname) {
        case "/parse": {
            const header = request.headers.get("cookie") ?? "";
            const all = cookie.parseCookie(header);
            const keys = Object.keys(all).sort();
            return json({
                keys, all, proto: Object.getPrototypeOf(all) === null,
                raw: cookie.parseCookie(header, { decode: (s: string) => s }),
                upper: cookie.parseCookie(header, { decode: (s: string) => s.toUpperCase() }),
            });
        }
        case "/welcome": {
            // The README's example: remember a name for a week.
            const name = p.get("name");
            if (name) {
                const h = new Headers({ location: "/welcome" });
                h.append("set-cookie", cookie.stringifySetCookie({
                    name: "name", value: name, httpOnly: true, maxAge: 60 * 60 * 24 * 7,
                }));
                return new Response(null, { status: 302, headers: h });
            }
            const cookies = cookie.parseCookie(request.headers.get("cookie") || "");
            return new Response(cookies.name ? "Welcome back, " + cookies.name + "!" : "Hello, new visitor!",
                { headers: { "content-type": "text/plain; charset=utf-8" } });
        }
        case "/set": {
            const h = new Headers();
            const expires = new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 678));
            const all = [
                cookie.stringifySetCookie({ name: "a", value: "plain" }),
                cookie.stringifySetCookie({ name: "b", value: "needs encoding; ☃ = % \"q\"" }),
                cookie.stringifySetCookie({
                    name: "sess", value: "abc123", maxAge: 3600, domain: ".example.com", path: "/app",
                    expires, httpOnly: true, secure: true, partitioned: true, priority: "High",
                    sameSite: "lax",
                }),
                cookie.stringifySetCookie({ name: "s", value: "x", sameSite: true, priority: "low" }),
                cookie.stringifySetCookie({ name: "n", value: "y", sameSite: "None", secure: true }),
                cookie.stringifySetCookie({ name: "gone", value: "", maxAge: 0,
                    expires: new Date(0) }),
                cookie.stringifySetCookie({ name: "old", value: "1",
                    expires: new Date(Date.UTC(1999, 11, 31, 23, 59, 59)) }),
                cookie.stringifySetCookie({ name: "custom", value: "a b" },
                    { encode: (s: string) => s.replace(/ /g, "_") }),
            ];
            for (const s of all) {
                h.append("set-cookie", s);
            }
            return json(all, 200, h);
        }
        case "/cookie-header":
            return json({
                simple: cookie.stringifyCookie({ a: "foo", b: "bar" }),
                encoded: cookie.stringifyCookie({ x: "1 2", y: "é;,", z: undefined }),
                custom: cookie.stringifyCookie({ a: "x y" }, { encode: (s: string) => s.replace(" ", "+") }),
            });
        case "/parse-set": {
            const lines = [
                "foo=bar; httpOnly",
                "session=abc; max-age=1.5; expires=invalid; custom=value; domain=example.com",
                "id=a3fWa; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; HttpOnly; Path=/docs",
                "x=%E2%98%83; Max-Age=-1; SameSite=STRICT; Priority=medium; Partitioned",
                "y=1; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=bogus; priority=urgent",
                "novalue",
                "q=\"quoted\"; Domain=; Path",
                "bad=%E0%A4%A; Max-Age=10",
            ];
            return json(lines.map((l) => show(cookie.parseSetCookie(l))));
        }
        case "/roundtrip": {
            const value = p.get("v") ?? "";
            const s = cookie.stringifySetCookie({ name: "rt", value, path: "/", maxAge: 60 });
            const back = cookie.parseSetCookie(s);
            const asCookie = cookie.parseCookie(s.split(";")[0]);
            return json({ s, back: show(back), same: back.value === value && asCookie.rt === value });
        }
        case "/errors":
            return json({
                name: errorOf(() => cookie.stringifySetCookie({ name: "bad name", value: "x" })),
                empty: errorOf(() => cookie.stringifySetCookie({ name: "", value: "x" })),
                value: errorOf(() => cookie.stringifySetCookie({ name: "v", value: "x" },
                    { encode: (s: string) => s + ";" })),
                maxAge: errorOf(() => cookie.stringifySetCookie({ name: "m", value: "x", maxAge: 1.5 })),
                maxAgeInf: errorOf(() => cookie.stringifySetCookie({ name: "m", value: "x",
                    maxAge: Infinity })),
                domain: errorOf(() => cookie.stringifySetCookie({ name: "d", value: "x",
                    domain: "bad_domain!" })),
                path: errorOf(() => cookie.stringifySetCookie({ name: "p", value: "x", path: "/a;b" })),
                expires: errorOf(() => cookie.stringifySetCookie({ name: "e", value: "x",
                    expires: new Date(Date.UTC(10000, 0, 1)) })),
                expiresNaN: errorOf(() => cookie.stringifySetCookie({ name: "e", value: "x",
                    expires: new Date(NaN) })),
                priority: errorOf(() => cookie.stringifySetCookie({ name: "p", value: "x",
                    priority: "urgent" as "low" })),
                sameSite: errorOf(() => cookie.stringifySetCookie({ name: "s", value: "x",
                    sameSite: "sideways" as "lax" })),
                cookieName: errorOf(() => cookie.stringifyCookie({ "a=b": "x" })),
            });
        case "/many": {
            const n = Number(p.get("n") ?? "200");
            const parts: string[] = [];
            for (let i = 0; i < n; i++) {
                parts.push("c" + i + "=" + encodeURIComponent("v" + i + " ü"));
            }
            parts.push("c0=dup");
            const all = cookie.parseCookie(parts.join("; "));
            const keys = Object.keys(all);
            return json({ count: keys.length, first: all.c0, last: all["c" + (n - 1)],
                sorted: keys.sort().slice(0, 5) });
        }
        default:
            return json({ error: "no route" }, 404);
        }
    },
};
