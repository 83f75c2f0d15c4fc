// yaml 2 (eemeli/yaml) in a Worker: YAML from the request body parsed and
// stringified back, documents edited in place (comments kept), errors with
// their codes and line/col, anchors and aliases, merge keys, multi-document
// streams, YAML 1.1 vs 1.2 schemas, custom tags, numbers and dates.
import YAML, { Document, isMap, isSeq, parseAllDocuments, parseDocument, Scalar, visit,
               YAMLMap } from "yaml";
import type { Tags } from "yaml";

function json(v: unknown, status = 200): Response {
    return new Response(JSON.stringify(v, null, 1), {
        status, headers: { "content-type": "application/json" },
    });
}

// A custom tag as the docs show: !point [x, y] <-> { x, y }.
class Point {
    constructor(public x: number, public y: number) {}
}
const pointTag = {
    identify: (v: unknown) => v instanceof Point,
    tag: "!point",
    collection: "seq" as const,
    resolve(seq: unknown) {
        const items = (seq as { items: Array<{ value: number }> }).items;
        return new Point(Number(items[0].value), Number(items[1].value));
    },
    createNode(schema: unknown, p: Point, ctx: unknown) {
        return (Document.prototype.createNode as Function).call(
            new Document(), [p.x, p.y]);
    },
};
const upperTag = {
    tag: "!upper",
    resolve: (s: string) => s.toUpperCase(),
};
const customTags: Tags = [pointTag as never, upperTag as never];

const config = `# service config
name: api   # trailing comment
version: 1.2.0
port: 0x1F90
ratio: 6.02e23
neg: -.inf
nan: .NaN
octal: 0o17
empty:
tilde: ~
yes11: yes
date: 2024-02-29
stamp: 2001-12-14t21:59:43.10-05:00
defaults: &defaults
  retries: 3
  timeout: 1.5
primary:
  <<: *defaults
  host: "db1.example.com"
replica:
  <<: *defaults
  timeout: 2
list: [a, 'b c', "d\\te", 1, true, null]
block: |
  line one
  line two
folded: >-
  folded
  text here
unicode: "Zo\\u00eb \\U0001F600 ☃"
`;

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const p = url.searchParams;
        try {
            switch (url.pathname) {
            case "/parse": {
                const src = request.method === "POST" ? await request.text() : config;
                return json(YAML.parse(src, { merge: true }));
            }
            case "/parse11":
                return json({
                    v11: YAML.parse(config, { version: "1.1" }),
                    core: YAML.parse("a: yes\nb: 0o17\nc: 017\nd: 1_000\ne: 2024-02-29", { schema: "core" }),
                    json: YAML.parse('{"a": 1, "b": [true, null]}', { schema: "json" }),
                    failsafe: YAML.parse("a: 1\nb: true", { schema: "failsafe" }),
                });
            case "/stringify": {
                const value = {
                    name: "Zoë", text: "multi\nline\ntext\n", quote: "it's \"q\"", colon: "a: b",
                    num: [0, -0, 1.5, 1e21, 1e-7, 0.1 + 0.2, 123456789.123, NaN, Infinity, -Infinity],
                    bools: [true, false, null], empty: {}, emptyList: [], date: new Date(Date.UTC(2024, 1, 29, 1, 2, 3)),
                    nested: { deep: { deeper: [{ a: 1 }, [1, [2, [3]]]] } },
                    keys: { "needs quote": 1, "123": 2, "true": 3, "": 4, "-": 5 },
                    long: "word ".repeat(30).trim(), unicode: "日本語 😀 \u0001\u007f",
                };
                return json({
                    plain: YAML.stringify(value),
                    opts: YAML.stringify(value, {
                        indent: 4, lineWidth: 40, minContentWidth: 10, defaultStringType: "QUOTE_DOUBLE",
                        defaultKeyType: "PLAIN", sortMapEntries: true, nullStr: "~", trueStr: "yes",
                        indentSeq: false,
                    }),
                    flow: YAML.stringify(value.nested, { collectionStyle: "flow" }),
                    replacer: YAML.stringify(value, ["name", "num", "bools"]),
                    fn: YAML.stringify({ a: 1, b: "x", c: [1, 2] },
                        (k, v) => (typeof v === "number" ? v * 10 : v)),
                    scalar: [YAML.stringify("plain"), YAML.stringify("true"), YAML.stringify(42),
                             YAML.stringify(null), YAML.stringify("#x"), YAML.stringify("  pad")],
                });
            }
            case "/edit": {
                const doc = parseDocument(config);
                doc.set("name", "edited");
                doc.setIn(["primary", "host"], "db9.example.com");
                doc.addIn(["list"], "added");
                doc.deleteIn(["replica"]);
                doc.setIn(["new", "deep", "key"], [1, 2]);
                doc.commentBefore = " edited by the worker";
                const port = doc.get("port", true) as Scalar;
                const list = doc.get("list");
                const names: string[] = [];
                visit(doc, {
                    Scalar(key, node) {
                        if (typeof node.value === "string" && node.value.startsWith("db")) {
                            names.push(node.value);
                        }
                    },
                });
                return json({
                    out: doc.toString(),
                    js: doc.toJS({ maxAliasCount: 100 }),
                    hasName: doc.has("name"),
                    port: { value: port.value, format: port.format, source: port.source },
                    listIsSeq: isSeq(list), rootIsMap: isMap(doc.contents),
                    anchors: names,
                    errors: doc.errors.length, warnings: doc.warnings.map((w) => w.code),
                });
            }
            case "/errors": {
                const src = request.method === "POST" ? await request.text() : "";
                const doc = parseDocument(src, { prettyErrors: true });
                return json({
                    errors: doc.errors.map((e) => ({
                        name: e.name, code: e.code, pos: e.pos, linePos: e.linePos, message: e.message,
                    })),
                    warnings: doc.warnings.map((w) => ({ code: w.code, message: w.message })),
                    js: doc.errors.length ? null : doc.toJS(),
                });
            }
            case "/throw": {
                const src = request.method === "POST" ? await request.text() : "";
                try {
                    return json({ ok: YAML.parse(src, { uniqueKeys: true, maxAliasCount: 5 }) });
                } catch (e) {
                    const err = e as Error & { code?: string; linePos?: unknown };
                    return json({ name: err.name, code: err.code, linePos: err.linePos, message: err.message },
                        422);
                }
            }
            case "/multi": {
                const src = "%YAML 1.2\n---\na: 1\n--- !!str\nsecond\n---\n- x\n- y\n...\n---\n# empty\n";
                const docs = parseAllDocuments(src);
                return json({
                    count: (docs as Document[]).length,
                    values: (docs as Document[]).map((d) => d.toJS()),
                    back: (docs as Document[]).map((d) => String(d)),
                });
            }
            case "/tags": {
                const src = "origin: !point [1, 2]\nshout: !upper hello\nbin: !!binary aGVsbG8=\n" +
                    "set: !!set {a, b}\nomap: !!omap [x: 1, y: 2]\nstr: !!str 123\nfloat: !!float 1\n";
                const doc = parseDocument(src, { customTags, version: "1.1" });
                const js = doc.toJS() as Record<string, unknown>;
                const origin = js.origin as Point;
                const bin = js.bin as Uint8Array;
                const back = new Document({ p: new Point(3, 4), m: new Map([["k", 1]]), s: new Set(["v"]) },
                    { customTags, version: "1.1" });
                return json({
                    isPoint: origin instanceof Point, origin: [origin.x, origin.y], shout: js.shout,
                    bin: Array.from(bin), set: Array.from(js.set as Set<string>),
                    omap: Array.from(js.omap as Map<string, number>), str: js.str, float: js.float,
                    back: back.toString(), warnings: doc.warnings.map((w) => w.code),
                    errors: doc.errors.map((e) => e.code),
                });
            }
            case "/big": {
                const n = Number(p.get("n") ?? "300");
                const rows = Array.from({ length: n }, (_, i) => ({
                    id: i, name: "row " + i + " é", score: i / 7, tags: ["t" + (i % 5), "u" + (i % 3)],
                }));
                const text = YAML.stringify({ rows });
                const back = YAML.parse(text) as { rows: typeof rows };
                return json({
                    length: text.length, head: text.slice(0, 200),
                    same: JSON.stringify(back) === JSON.stringify({ rows }), last: back.rows[n - 1],
                });
            }
            default:
                return json({ error: "no route" }, 404);
            }
        } catch (e) {
            const err = e as Error;
            return json({ error: err.name, message: err.message }, 500);
        }
    },
};
