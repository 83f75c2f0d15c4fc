// superjson 2 in a Worker: values JSON cannot carry (Date, Map, Set,
// undefined, RegExp, NaN/Infinity/-0, Error, URL, typed arrays, shared
// references) serialized and read back, registered classes, custom
// transformers and symbols, and payloads posted by a client deserialized.
// BigInt is left out: nanod's BigInt is not a primitive (README).
import SuperJSON from "superjson";

class Point {
    constructor(public x: number, public y: number) {}
    norm(): number {
        return Math.sqrt(this.x * this.x + this.y * this.y);
    }
}

class Money {
    constructor(public amount: string, public currency: string) {}
}

const sj = new SuperJSON();
sj.registerClass(Point, { identifier: "Point" });
sj.registerCustom<Money, string>({
    isApplicable: (v): v is Money => v instanceof Money,
    serialize: (v) => v.amount + " " + v.currency,
    deserialize: (s) => {
        const [amount, currency] = s.split(" ");
        return new Money(amount, currency);
    },
}, "money");
const RED = Symbol("red");
sj.registerSymbol(RED, "red");
sj.allowErrorProps("code");

function sample() {
    const shared = { id: 7, tags: new Set(["a", "b"]) };
    const err = Object.assign(new Error("boom"), { code: "E_BOOM" });
    return {
        date: new Date(Date.UTC(2024, 1, 29, 12, 30, 5, 123)),
        epoch: new Date(0),
        invalid: new Date(NaN),
        map: new Map<unknown, unknown>([["k", 1], [2, "two"], [shared, "object key"]]),
        set: new Set([1, "1", 2, 2, undefined]),
        undef: undefined,
        list: [1, undefined, null, NaN, Infinity, -Infinity, -0, 0],
        re: /h(e)llo\s+w[o]rld/gi,
        reFlags: /^x$/m,
        url: new URL("https://example.com/a/b?q=1#frag"),
        err,
        point: new Point(3, 4),
        money: new Money("12.50", "EUR"),
        sym: RED,
        a: shared,
        b: shared,
        nested: { deeper: { m: new Map([["d", new Date(Date.UTC(2000, 0, 1))]]) } },
        unicode: "Zoë 😀 ☃ \u2028\u2029 lone \ud800 \udfff",
    };
}

function describe(v: ReturnType<typeof sample>): unknown {
    return {
        date: [v.date instanceof Date, v.date.getTime(), v.date.toISOString()],
        epoch: v.epoch.getTime(),
        invalid: v.invalid instanceof Date ? isNaN(v.invalid.getTime()) : String(v.invalid),
        map: v.map instanceof Map ? Array.from(v.map.entries()).map(([k, x]) =>
            [typeof k === "object" ? "obj:" + JSON.stringify({ id: (k as { id: number }).id }) : k, x]) : null,
        set: v.set instanceof Set ? Array.from(v.set).map((x) => (x === undefined ? "undefined" : x)) : null,
        hasUndef: "undef" in v, undef: v.undef === undefined,
        list: v.list.map((x) => (x === undefined ? "undefined" : Object.is(x, -0) ? "-0" : String(x))),
        re: [v.re instanceof RegExp, v.re.source, v.re.flags, v.re.test("HELLO  WORLD")],
        reFlags: String(v.reFlags),
        url: v.url instanceof URL ? [v.url.href, v.url.pathname, v.url.searchParams.get("q")] : null,
        err: v.err instanceof Error ? [v.err.name, v.err.message, (v.err as Error & { code?: string }).code] : null,
        point: v.point instanceof Point ? [v.point.x, v.point.y, v.point.norm()] : null,
        money: v.money instanceof Money ? [v.money.amount, v.money.currency] : null,
        sym: v.sym === RED,
        sameRef: v.a === v.b, setInShared: v.a.tags instanceof Set,
        nested: v.nested.deeper.m.get("d")!.toISOString(),
        unicode: v.unicode,
    };
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        try {
            switch (url.pathname) {
            case "/serialize": {
                const { json, meta } = sj.serialize(sample());
                // err.stack differs between runtimes: drop it.
                delete (json as { err: { stack?: string } }).err.stack;
                return Response.json({ json, meta });
            }
            case "/roundtrip":
                return Response.json(describe(sj.parse(sj.stringify(sample()))));
            case "/deserialize": {
                // A client's payload (superjson on the browser side of an RPC).
                const payload = await request.json() as { json: unknown; meta?: unknown };
                const v = sj.deserialize(payload as never) as Record<string, unknown>;
                const out: Record<string, unknown> = {};
                for (const k of Object.keys(v).sort()) {
                    const x = v[k];
                    out[k] = {
                        type: x === null ? "null" : x instanceof Date ? "Date" : x instanceof Map ? "Map"
                            : x instanceof Set ? "Set" : x instanceof RegExp ? "RegExp"
                            : x instanceof Error ? "Error" : Array.isArray(x) ? "Array" : typeof x,
                        text: x instanceof Date ? (isNaN(x.getTime()) ? "Invalid" : x.toISOString())
                            : x instanceof Map ? JSON.stringify(Array.from(x.entries()))
                            : x instanceof Set ? JSON.stringify(Array.from(x))
                            : x instanceof Error ? x.name + ": " + x.message
                            : Array.isArray(x) ? JSON.stringify(x.map((y) => (y === undefined ? "u" : y)))
                            : typeof x === "number" && !isFinite(x) ? String(x) : JSON.stringify(x),
                    };
                }
                return Response.json(out);
            }
            case "/stringify": {
                const values: unknown[] = [
                    undefined, null, 1.5, -0, NaN, "s", [undefined], { a: undefined },
                    new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)), new Set(), new Map(),
                    [new Date(-1), /[/]\//], { m: new Map([[1, new Set([new Map([["x", [1]]])])]]) },
                    new Uint8Array([1, 2, 255]), new Float64Array([0.5, -1]),
                ];
                return Response.json(values.map((v) => sj.stringify(v)));
            }
            case "/default": {
                // The default instance's static API, as the README shows it.
                const text = SuperJSON.stringify({ when: new Date(Date.UTC(2021, 5, 1)), s: new Set([1]) });
                const back = SuperJSON.parse<{ when: Date; s: Set<number> }>(text);
                return Response.json({ text, when: back.when.getTime(), s: back.s.has(1) });
            }
            case "/big": {
                const n = Number(url.searchParams.get("n") ?? "500");
                const rows = Array.from({ length: n }, (_, i) => ({
                    i, at: new Date(Date.UTC(2020, 0, 1) + i * 86400000), tags: new Set(["t" + (i % 4)]),
                    extra: i % 2 ? undefined : new Map([["k", i]]),
                }));
                const text = sj.stringify(rows);
                const back = sj.parse<typeof rows>(text);
                return Response.json({
                    length: text.length, last: back[n - 1].at.toISOString(),
                    sets: back.every((r) => r.tags instanceof Set),
                    maps: back.filter((r) => r.extra instanceof Map).length,
                    undefs: back.filter((r) => "extra" in r && r.extra === undefined).length,
                    tail: text.slice(-200),
                });
            }
            default:
                return Response.json({ error: "no route" }, { status: 404 });
            }
        } catch (e) {
            const err = e as Error;
            return Response.json({ error: err.name, message: err.message }, { status: 400 });
        }
    },
};
