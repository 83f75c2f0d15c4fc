// valibot 1.x in a Worker, as its docs show it: schemas and pipes validating JSON
// bodies and query strings, transforms, unions and variants, async checks,
// issue messages (custom, global and per schema), flatten() and summarize().
// Left out: graphemes()/words() (Intl.Segmenter) and normalize()
// (String.prototype.normalize): the engine has neither.
import * as v from "valibot";

const Email = v.pipe(v.string("email must be a string"), v.trim(), v.toLowerCase(),
                     v.email("not an email"), v.maxLength(64));

const User = v.object({
    name: v.pipe(v.string(), v.minLength(2, "name too short"), v.maxLength(20)),
    email: Email,
    age: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(150)), 18),
    role: v.picklist(["admin", "user", "guest"]),
    tags: v.pipe(v.array(v.pipe(v.string(), v.nonEmpty())), v.maxLength(3)),
    born: v.optional(v.pipe(v.string(), v.isoDate(), v.transform((s) => new Date(s + "T00:00:00Z")))),
    website: v.optional(v.pipe(v.string(), v.url())),
    id: v.optional(v.pipe(v.string(), v.uuid())),
    score: v.optional(v.pipe(v.number(), v.finite(), v.multipleOf(0.5))),
    meta: v.optional(v.record(v.string(), v.union([v.string(), v.number(), v.boolean()]))),
});

const Password = v.pipe(
    v.object({ password: v.pipe(v.string(), v.minLength(8), v.regex(/[A-Z]/, "needs a capital"),
                                v.regex(/[0-9]/, "needs a digit")),
               confirm: v.string() }),
    v.forward(v.partialCheck([["password"], ["confirm"]], (i) => i.password === i.confirm,
                             "passwords differ"), ["confirm"]),
);

const Shape = v.variant("kind", [
    v.object({ kind: v.literal("circle"), r: v.pipe(v.number(), v.gtValue(0)) }),
    v.object({ kind: v.literal("rect"), w: v.number(), h: v.number() }),
    v.strictObject({ kind: v.literal("dot") }),
]);

const Query = v.object({
    page: v.optional(v.pipe(v.string(), v.digits(), v.transform(Number), v.minValue(1)), "1"),
    sort: v.optional(v.union([v.literal("asc"), v.literal("desc")], "sort is asc or desc")),
    q: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.toUpperCase())),
    from: v.optional(v.pipe(v.string(), v.isoDateTime(), v.toDate())),
    n: v.optional(v.pipe(v.unknown(), v.toNumber(), v.number(), v.safeInteger())),
});

const taken = new Set(["ada", "grace"]);
const Signup = v.objectAsync({
    username: v.pipeAsync(v.string(), v.regex(/^[a-z]+$/, "lowercase letters only"),
                          v.checkAsync(async (u) => { await new Promise((r) => setTimeout(r, 2));
                                                       return !taken.has(u); }, "username taken")),
    email: Email,
});

const Tuple = v.tuple([v.string(), v.number(), v.optional(v.boolean())]);
const Json = v.pipe(v.string(), v.parseJson(), v.object({ a: v.array(v.number()) }),
                    v.transform((o) => o.a.reduce((s, x) => s + x, 0)));

function out(r: { success: boolean; output?: unknown; issues?: v.BaseIssue<unknown>[] }) {
    if (r.success) {
        return { ok: true, output: r.output };
    }
    const issues = r.issues as [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]];
    return {
        ok: false,
        issues: issues.map((i) => ({ kind: i.kind, type: i.type, expected: i.expected,
                                     received: i.received, message: i.message,
                                     path: v.getDotPath(i) })),
        flat: v.flatten(issues),
        summary: v.summarize(issues),
    };
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const lang = url.searchParams.get("lang");
        const cfg = lang ? { lang, abortEarly: url.searchParams.has("early") }
                         : { abortEarly: url.searchParams.has("early") };
        switch (url.pathname) {
        case "/user":
            return Response.json(out(v.safeParse(User, await request.json(), cfg)));
        case "/password":
            return Response.json(out(v.safeParse(Password, await request.json(), cfg)));
        case "/shape":
            return Response.json(out(v.safeParse(Shape, await request.json(), cfg)));
        case "/query":
            return Response.json(out(v.safeParse(Query, Object.fromEntries(url.searchParams))));
        case "/signup":
            return Response.json(out(await v.safeParseAsync(Signup, await request.json(), cfg)));
        case "/misc": {
            const r = {
                tuple: out(v.safeParse(Tuple, ["a", 1])),
                tupleBad: out(v.safeParse(Tuple, ["a", "1", 2])),
                json: out(v.safeParse(Json, '{"a":[1,2.5,3e2]}')),
                // (the message quotes JSON.parse's own error text, which differs per engine)
                jsonBad: v.safeParse(Json, "{nope").issues?.map((i) => [i.kind, i.type, i.expected]),
                is: [v.is(v.number(), 1), v.is(v.number(), "1"), v.is(v.nullish(v.string()), null)],
                defaults: v.getDefaults(User),
                fallback: v.parse(v.fallback(v.number(), 7), "x"),
                parseThrows: (() => {
                    try { v.parse(v.pipe(v.string(), v.length(3)), "abcd"); return "no"; } catch (e) {
                        return { valiError: v.isValiError(e), name: (e as Error).name,
                                 message: (e as Error).message };
                    }
                })(),
                sizes: out(v.safeParse(v.pipe(v.string(), v.maxBytes(5)), "héllo")),
                unicode: out(v.safeParse(v.pipe(v.string(), v.emoji()), "😀👍🏽")),
                hex: [v.is(v.pipe(v.string(), v.hexColor()), "#0aF"), v.is(v.pipe(v.string(),
                      v.ipv4()), "256.1.1.1"), v.is(v.pipe(v.string(), v.ipv6()), "::1")],
                sorted: v.parse(v.pipe(v.array(v.object({ k: v.number(), s: v.string() })),
                                       v.sortItems((a, b) => a.k - b.k)),
                                [3, 1, 2, 1, 3, 1].map((k, i) => ({ k, s: "i" + i }))),
                camel: v.parse(v.pipe(v.string(), v.toCamelCase()), "hello-big_world"),
                picked: v.safeParse(v.pick(User, ["name"]), { name: "x" }).success,
                partial: v.safeParse(v.partial(v.pick(User, ["name", "role"])), {}).success,
                date: out(v.safeParse(v.pipe(v.date(), v.minValue(new Date(Date.UTC(2020, 0, 1)))),
                                      new Date(Date.UTC(2019, 11, 31, 23, 59, 59, 999)))),
                invalidDate: out(v.safeParse(v.date(), new Date("garbage"))),
            };
            return Response.json(r);
        }
        }
        return new Response("not found", { status: 404 });
    },
};

// A global message for one schema kind, set at load (the docs' i18n recipe).
v.setGlobalMessage((issue) => `Ungültig: ${issue.expected} erwartet, ${issue.received} erhalten`, "de");
v.setSchemaMessage(() => "Bitte eine Zahl", "de");
