// js-yaml 5 in a Worker (named exports only: 5.x has no default export): load
// and dump with the schemas it ships (core, JSON, failsafe, YAML 1.1 with
// timestamps, binary, sets and omaps), merge keys and real Maps through
// withTags, custom tags from defineScalarTag/defineSequenceTag, multi-document
// loadAll, dump options, and YAMLException's reason, mark and snippet.
import { CORE_SCHEMA, defineScalarTag, defineSequenceTag, dump, FAILSAFE_SCHEMA, JSON_SCHEMA,
         load, loadAll, mergeTag, realMapTag, YAML11_SCHEMA, YAMLException } from "js-yaml";

function json(v: unknown, status = 200): Response {
    return new Response(JSON.stringify(v, null, 1), {
        status, headers: { "content-type": "application/json" },
    });
}

function failure(e: unknown): unknown {
    if (e instanceof YAMLException) {
        return {
            yamlException: true, name: e.name, reason: e.reason, message: e.message,
            mark: e.mark ? { line: e.mark.line, column: e.mark.column, position: e.mark.position,
                             snippet: e.mark.snippet } : null,
            compact: e.toString(true),
        };
    }
    const err = e as Error;
    return { name: err.name, message: err.message };
}

class Money {
    constructor(public cents: number, public currency: string) {}
}
const moneyTag = defineScalarTag("!money", {
    resolve: (source: string) => {
        const m = /^(\d+)\.(\d\d) ([A-Z]{3})$/.exec(source);
        if (!m) {
            throw new Error("bad money: " + source);
        }
        return new Money(Number(m[1]) * 100 + Number(m[2]), m[3]);
    },
    identify: (v: unknown) => v instanceof Money,
    represent: (v: Money) => (v.cents / 100).toFixed(2) + " " + v.currency,
});
const pairTag = defineSequenceTag("!pair", {
    create: () => [] as unknown[],
    addItem: (c: unknown[], item: unknown) => {
        if (c.length >= 2) {
            return "a pair has two items";
        }
        c.push(item);
        return "";
    },
    finalize: (c: unknown[]) => ({ left: c[0], right: c[1] }),
    identify: () => false,
});

const doc = `
anchors:
  base: &base { a: 1, b: [x, y] }
  derived:
    <<: *base
    b: overridden
numbers: [0x1F, 0o17, 1_000, .5, -.inf, .nan, 1e3, +12, 012]
strings: ["a\\tb", 'it''s', plain text, "\\u00e9\\U0001F600"]
bools: [true, false, True, yes, no, ~, null]
stamp: 2001-12-14 21:59:43.10 -5
date: 2002-12-14
multi: |+
  keep

folded: >
  a
  b
`;

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const body = request.method === "POST" ? await request.text() : "";
        try {
            switch (url.pathname) {
            case "/load":
                return json(load(body || doc, { schema: CORE_SCHEMA.withTags(mergeTag) }));
            case "/schemas":
                return json({
                    json: load("a: [1, true, null, 0x1F, yes]", { schema: JSON_SCHEMA }),
                    failsafe: load("a: [1, true, null]", { schema: FAILSAFE_SCHEMA }),
                    y11: load("a: [yes, no, on, off, 0777, 1:20, 2001-12-14t21:59:43.10-05:00, 2002-12-14]\n" +
                        "b: !!binary aGVsbG8gd29ybGQ=\nc: !!set {x, y}\nd: !!omap [k1: 1, k2: 2]\n" +
                        "e: !!pairs [k: 1, k: 2]", { schema: YAML11_SCHEMA }),
                    map: (() => {
                        const m = load("? [1, 2]\n: seq key\nplain: v", {
                            schema: CORE_SCHEMA.withTags(realMapTag),
                        }) as Map<unknown, unknown>;
                        return { isMap: m instanceof Map, entries: Array.from(m.entries()) };
                    })(),
                });
            case "/dates": {
                const v = load("a: 2001-12-14t21:59:43.10-05:00\nb: 2002-12-14\nc: 2020-01-01 00:00:00\n" +
                    "d: 2001-12-15 2:59:43.10\ne: 1970-01-01T00:00:00Z\nf: 2024-02-29T12:30:00.123456+01:30",
                    { schema: YAML11_SCHEMA }) as Record<string, Date>;
                const out: Record<string, unknown> = {};
                for (const k of Object.keys(v)) {
                    out[k] = [v[k] instanceof Date, v[k].getTime(), v[k].toISOString()];
                }
                out.dumped = dump({ when: new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5)) },
                    { schema: YAML11_SCHEMA });
                return json(out);
            }
            case "/dump": {
                const value = {
                    name: "Zoë", text: "multi\nline\n", quote: "it's \"q\"", colon: "a: b", hash: "#x",
                    num: [0, -0, 1.5, 1e21, 1e-7, 0.1 + 0.2, 123456789.123, NaN, Infinity, -Infinity, 2 ** 53],
                    looks: ["true", "null", "123", "0x1F", "1e3", "", " pad", "yes"],
                    nested: { deep: { deeper: [{ a: 1 }, [1, [2, [3]]]] } }, empty: {}, emptyList: [],
                    long: "word ".repeat(30).trim(), unicode: "日本語 😀 \u0001\u007f\u2028",
                    undef: undefined,
                };
                const shared = { s: 1 };
                return json({
                    plain: dump(value),
                    opts: dump(value, { indent: 4, lineWidth: 30, flowLevel: 2, sortKeys: true,
                        forceQuotes: true, skipInvalid: true }),
                    noRefs: dump({ x: shared, y: shared }, { noRefs: true }),
                    refs: dump({ x: shared, y: shared }),
                    json: dump(value, { schema: JSON_SCHEMA, skipInvalid: true }),
                    y11: dump({ s: new Set(["a", "b"]), bin: new Uint8Array([1, 2, 250]) },
                        { schema: YAML11_SCHEMA }),
                });
            }
            case "/dump-fn":
                return json(dump({ f() { return 1; } }));
            case "/multi":
                return json(loadAll(body || "---\na: 1\n---\n- x\n...\n--- !!str\ntext\n---\n"));
            case "/custom": {
                const schema = CORE_SCHEMA.withTags(moneyTag, pairTag);
                const v = load(body || "price: !money 12.34 EUR\np: !pair [1, two]\n", { schema }) as
                    Record<string, unknown>;
                return json({
                    v, isMoney: v.price instanceof Money,
                    back: dump({ total: new Money(1999, "USD"), list: [new Money(5, "JPY")] }, { schema }),
                });
            }
            case "/big": {
                const n = Number(url.searchParams.get("n") ?? "300");
                const rows = Array.from({ length: n }, (_, i) => ({
                    id: i, name: "row " + i + " é", score: i / 7, ok: i % 3 === 0, tags: ["t" + (i % 5)],
                }));
                const text = dump({ rows });
                const back = load(text) as { rows: typeof rows };
                return json({ length: text.length, head: text.slice(0, 160),
                    same: JSON.stringify(back) === JSON.stringify({ rows }) });
            }
            default:
                return json({ error: "no route" }, 404);
            }
        } catch (e) {
            return json(failure(e), 422);
        }
    },
};
