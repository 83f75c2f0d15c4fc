// qs 6 in a Worker: the request's own query string parsed with the options its
// README documents (nested objects, arrays, dots, depth and parameter limits,
// charsets, duplicates, comma arrays), and objects stringified back with each
// arrayFormat, encoder options, filters, sorting and dates.
import qs from "qs";

function query(request: Request): string {
    const url = new URL(request.url);
    return url.search.slice(1);
}

function json(v: unknown, status = 200): Response {
    return Response.json(v, { status });
}

const sample = {
    user: { name: "Zoë Ångström", langs: ["js", "c"], address: { city: "Århus", zip: "8000" } },
    empty: "",
    nothing: null,
    tags: ["a b", "c&d", "e=f", "☃"],
    n: 42,
    ok: true,
    when: new Date(Date.UTC(2024, 1, 29, 12, 30, 5, 123)),
};

export default {
    fetch(request: Request): Response {
        const path = new URL(request.url).pathname;
        const q = query(request);
        try {
            switch (path) {
            case "/parse":
                return json(qs.parse(q));
            case "/dots":
                return json(qs.parse(q, { allowDots: true, decodeDotInKeys: false }));
            case "/depth":
                return json({
                    d1: qs.parse(q, { depth: 1 }),
                    d0: qs.parse(q, { depth: 0 }),
                    deflt: qs.parse(q),
                });
            case "/strict-depth":
                return json(qs.parse(q, { depth: 1, strictDepth: true }));
            case "/limit":
                return json({
                    two: qs.parse(q, { parameterLimit: 2 }),
                    arr: qs.parse(q, { arrayLimit: 1 }),
                    sparse: qs.parse(q, { allowSparse: true }),
                    noArrays: qs.parse(q, { parseArrays: false }),
                });
            case "/limit-throw":
                return json(qs.parse(q, { parameterLimit: 2, throwOnLimitExceeded: true }));
            case "/options":
                return json({
                    comma: qs.parse(q, { comma: true }),
                    delim: qs.parse(q, { delimiter: /[;,]/ }),
                    nulls: qs.parse(q, { strictNullHandling: true }),
                    first: qs.parse(q, { duplicates: "first" }),
                    last: qs.parse(q, { duplicates: "last" }),
                    prefix: qs.parse("?" + q, { ignoreQueryPrefix: true }),
                });
            case "/charset":
                return json({
                    latin1: qs.parse(q, { charset: "iso-8859-1" }),
                    sentinel: qs.parse(q, { charsetSentinel: true }),
                    entities: qs.parse(q, { charset: "iso-8859-1", interpretNumericEntities: true }),
                });
            case "/proto":
                return json({
                    plain: qs.parse(q),
                    allowed: qs.parse(q, { allowPrototypes: true }),
                    keys: Object.keys(qs.parse(q, { plainObjects: true })).sort(),
                });
            case "/stringify":
                return json({
                    indices: qs.stringify(sample),
                    brackets: qs.stringify(sample, { arrayFormat: "brackets" }),
                    repeat: qs.stringify(sample, { arrayFormat: "repeat" }),
                    comma: qs.stringify(sample, { arrayFormat: "comma" }),
                    dots: qs.stringify(sample, { allowDots: true, encode: false }),
                    raw: qs.stringify(sample, { encodeValuesOnly: true }),
                    nulls: qs.stringify(sample, { strictNullHandling: true, skipNulls: false }),
                    skip: qs.stringify(sample, { skipNulls: true }),
                    rfc1738: qs.stringify({ a: "b c", d: "~é" }, { format: "RFC1738" }),
                    latin1: qs.stringify({ a: "é☃" }, { charset: "iso-8859-1" }),
                    sentinel: qs.stringify({ a: "é" }, { charsetSentinel: true }),
                    sorted: qs.stringify({ z: 1, a: 2, m: { y: 1, b: 2 } },
                        { sort: (x: string, y: string) => x.localeCompare(y) }),
                    filter: qs.stringify(sample, { filter: ["user", "name", "n"] }),
                    filterFn: qs.stringify(sample, {
                        filter: (prefix: string, value: unknown) =>
                            typeof value === "number" ? value * 2 : value,
                    }),
                    date: qs.stringify({ d: sample.when },
                        { serializeDate: (d: Date) => String(d.getTime()) }),
                    prefix: qs.stringify({ a: 1, b: [2] }, { addQueryPrefix: true, delimiter: ";" }),
                    emptyArr: qs.stringify({ a: [], b: "x" }, { allowEmptyArrays: true }),
                });
            case "/roundtrip": {
                const parsed = qs.parse(q, { depth: 10, allowDots: true });
                const back = qs.stringify(parsed, { encodeValuesOnly: true, allowDots: true });
                return json({ parsed, back, again: qs.parse(back, { allowDots: true, depth: 10 }) });
            }
            case "/big": {
                const n = Number(new URL(request.url).searchParams.get("n") ?? "500");
                const obj: Record<string, unknown> = {};
                for (let i = 0; i < n; i++) {
                    obj["k" + i] = { v: [i, "ü" + i], s: String(i * 1.5) };
                }
                const s = qs.stringify(obj);
                const back = qs.parse(s, { parameterLimit: 100000, arrayLimit: 100 });
                return json({
                    length: s.length, head: s.slice(0, 120),
                    keys: Object.keys(back).length,
                    last: back["k" + (n - 1)],
                    same: JSON.stringify(back) === JSON.stringify(JSON.parse(JSON.stringify(obj),
                        (_k, v) => (typeof v === "number" ? String(v) : v))),
                });
            }
            default:
                return json({ error: "no route " + path }, 404);
            }
        } catch (e) {
            const err = e as Error;
            return json({ error: err.name, message: err.message }, 400);
        }
    },
};
