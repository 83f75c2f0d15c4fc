// lodash-es 4.18 in a Worker: collections (groupBy, keyBy, countBy, partition,
// sortBy and orderBy with stability on equal keys, uniqBy, chunk, zip), objects
// (merge, cloneDeep with dates/regexps/typed arrays/cycles, isEqual, get/set
// paths, pick/omit, defaultsDeep), strings (camelCase, kebabCase, snakeCase,
// startCase, deburr, words, escape, pad, truncate) on Unicode input, numbers
// (round/floor/ceil with precision, clamp, inRange, sum/mean), and timers
// (debounce, throttle, delay) against setTimeout.
// Left out: template() (it compiles its template with Function(), which Workers
// and nanod refuse: EvalError "code generation from strings ... is disallowed"),
// and the seq/chain wrapper (lodash-es' named chain() has no methods unless the
// whole lodash object is imported).
import {
    groupBy, keyBy, countBy, partition, sortBy, orderBy, uniqBy, uniq, chunk, zip, unzip, flatMapDeep,
    merge, mergeWith, cloneDeep, isEqual, get, set, pick, omit, defaultsDeep, mapValues, invert,
    camelCase, kebabCase, snakeCase, startCase, deburr, words, escape, unescape, pad, padStart,
    truncate, capitalize, upperFirst, trim, repeat, round, floor, ceil, clamp, inRange, sum, mean,
    sumBy, maxBy, minBy, range, debounce, throttle, delay, memoize, once, curry, partial,
    difference, intersection, union, xor, sortedIndex, takeWhile, shuffle, sample, random,
    isPlainObject, isEmpty, toPath, times, fromPairs, toPairs, transform,
} from "lodash-es";

const people = [
    { name: "Zoë", age: 30, city: "Zürich", score: 7.5 },
    { name: "ann", age: 25, city: "Oslo", score: 9 },
    { name: "Bob", age: 30, city: "Oslo", score: 7.5 },
    { name: "Émile", age: 25, city: "Paris", score: 8.25 },
    { name: "carl", age: 41, city: "Zürich", score: 7.5 },
    { name: "Dörte", age: 30, city: "Paris", score: 9 },
    { name: "eve", age: 25, city: "Oslo", score: 6 },
];

function sleep(ms: number) {
    return new Promise((r) => setTimeout(r, ms));
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        switch (url.pathname) {
        case "/collections": {
            // Stability: many equal keys over 500 items must keep their input order.
            const many = range(500).map((i) => ({ k: (i * 7919) % 5, i }));
            const stable = sortBy(many, "k").every((x, j, a) => j === 0 || a[j - 1].k < x.k ||
                                                                (a[j - 1].k === x.k && a[j - 1].i < x.i));
            return Response.json({
                groupBy: groupBy(people, "city"),
                keyBy: mapValues(keyBy(people, "name"), "age"),
                countBy: countBy([6.1, 4.2, 6.3, -0, 0], Math.floor),
                partition: partition(people, (p) => p.age > 28).map((g) => g.map((p) => p.name)),
                sortBy: sortBy(people, ["age", "score"]).map((p) => p.name),
                orderBy: orderBy(people, ["score", "name"], ["desc", "asc"]).map((p) => p.name),
                orderByFn: orderBy(people, [(p) => p.city.length, "age"], ["asc", "desc"]).map((p) => p.name),
                stable,
                stableOrder: sortBy(people, "age").map((p) => p.name),
                uniqBy: uniqBy(people, "age").map((p) => p.name),
                uniq: uniq([2, 1, 2, NaN, NaN, "2", -0, 0]),
                chunk: chunk(range(7), 3),
                zip: zip(["a", "b"], [1, 2, 3]),
                unzip: unzip([["a", 1, true], ["b", 2]]),
                flatMapDeep: flatMapDeep([1, [2, [3, [4]]]], (x) => [x, x]),
                sets: [difference([3, 2, 1], [4, 2]), intersection([2, 1], [2, 3]), union([2], [1, 2]),
                       xor([2, 1], [2, 3])],
                sortedIndex: sortedIndex([10, 20, 30, 30, 40], 30),
                takeWhile: takeWhile(people, (p) => p.score < 9).length,
                sums: [sum([0.1, 0.2, 0.3]), mean([1, 2, 3, 4]), sumBy(people, "score"),
                       maxBy(people, "age")!.name, minBy(people, "score")!.name],
                shuffle: [shuffle(range(20)).length, sortBy(shuffle(range(20))).join() === range(20).join(),
                          range(20).includes(sample(range(20))!), inRange(random(5, 10), 5, 11)],
                pairs: [toPairs({ a: 1, b: [2] }), fromPairs([["x", 1], ["y", 2]]), invert({ a: "x", b: "y" })],
                times: times(4, (i) => i * i),
            });
        }
        case "/sort": {
            // orderBy with the keys and directions of the query: equal keys keep input order.
            const by = (url.searchParams.get("by") ?? "age,name").split(",");
            const dir = (url.searchParams.get("dir") ?? "asc,desc").split(",") as ("asc" | "desc")[];
            return Response.json(orderBy(people, by, dir).map((p) => [p.name, p.age, p.city, p.score]));
        }
        case "/objects": {
            const src = { a: [{ b: 2 }, { d: 4 }], when: new Date(Date.UTC(2024, 1, 29)), re: /a+b/gi,
                          bytes: new Uint8Array([1, 2, 3]), nested: { deep: { x: 1 } } } as Record<string, unknown>;
            src.self = src;
            const copy = cloneDeep(src);
            const other = { a: [{ c: 3 }, { e: 5 }], nested: { deep: { y: 2 } } };
            const merged = merge({}, { a: [{ b: 2 }, { d: 4 }] }, other);
            const custom = mergeWith({ a: [1], b: "x" }, { a: [2], b: "y" },
                                     (o, s) => Array.isArray(o) ? o.concat(s) : undefined);
            const obj = {};
            set(obj, "a[0].b.c", 4);
            set(obj, ["x", "0", "y"], "z");
            return Response.json({
                cloneIsSelf: copy.self === copy,
                cloneDate: [copy.when instanceof Date, (copy.when as Date).getTime(), copy.when !== src.when],
                cloneRe: [String(copy.re), (copy.re as RegExp).flags, copy.re !== src.re],
                cloneBytes: [copy.bytes instanceof Uint8Array, Array.from(copy.bytes as Uint8Array),
                             copy.bytes !== src.bytes],
                merged, custom, obj,
                get: [get(merged, "a[1].e"), get(merged, ["nested", "deep", "y"]), get(merged, "no.such", "dflt")],
                toPath: toPath("a[0].b['c.d'].e"),
                pick: pick({ a: 1, b: { c: 2 }, d: 3 }, ["a", "b.c"]),
                omit: omit({ a: 1, b: { c: 2 }, d: 3 }, ["b.c", "d"]),
                defaultsDeep: defaultsDeep({ a: { b: 2 } }, { a: { b: 1, c: 3 }, d: 4 }),
                isEqual: [isEqual({ a: [1, { b: NaN }], d: new Date(0) }, { a: [1, { b: NaN }], d: new Date(0) }),
                          isEqual([1, 2], [2, 1]), isEqual(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]])),
                          isEqual(new Set([1, 2]), new Set([2, 1])), isEqual(-0, 0), isEqual(copy, src),
                          isEqual(new Uint8Array([1]), new Uint8Array([1])), isEqual(/a/g, /a/i)],
                plain: [isPlainObject({}), isPlainObject(Object.create(null)), isPlainObject(new Date()),
                        isEmpty(new Map()), isEmpty("x"), isEmpty({ a: undefined })],
                transform: transform([2, 3, 4], (acc: number[], n) => { acc.push(n * n); return n < 3; }, []),
            });
        }
        case "/strings": {
            const s = url.searchParams.get("s") ?? "Crème Brûlée à la__ÉCOLE-polytechnique déjà vu";
            return Response.json({
                camel: camelCase(s), kebab: kebabCase(s), snake: snakeCase(s), start: startCase(s),
                deburr: deburr(s), words: words(s), wordsPattern: words("fred, barney, & pebbles", /[^, ]+/g),
                capitalize: capitalize("éCOLE"), upperFirst: upperFirst("ßtraße"),
                escape: escape(`<a href="x">'&'</a>`), unescape: unescape("&lt;b&gt;&amp;amp;&#39;&quot;"),
                pad: [pad("abc", 8, "_-"), padStart("7", 3, "0"), pad("😀", 5, "*")],
                truncate: [truncate(s, { length: 20 }), truncate(s, { length: 24, separator: " " }),
                           truncate("hi-diddly-ho there, neighborino", { length: 24, separator: /,? +/,
                                                                         omission: " [...]" })],
                trim: [trim("  \u00a0x\u2003 "), trim("-_-abc-_-", "_-")],
                repeat: repeat("ab", 3),
                camelMore: ["fooBar", "__FOO_BAR__", "XMLHttpRequest", "hello world 2024", "ÀÉÎ õü",
                            "日本語 テキスト", "emoji 😀 here"].map((x) => [camelCase(x), kebabCase(x)]),
            });
        }
        case "/numbers":
            return Response.json({
                round: [round(4.006), round(4.006, 2), round(4060, -2), round(1.005, 2), round(-2.5),
                        round(2.5), round(1e21, 2), round(0.1 + 0.2, 15)],
                floor: [floor(4.006, 2), floor(-0.5), floor(0.046, 2)],
                ceil: [ceil(4.006, 2), ceil(6040, -2), ceil(-0.5)],
                clamp: [clamp(-10, -5, 5), clamp(10, -5, 5), clamp(NaN, 0, 1)],
                inRange: [inRange(3, 2, 4), inRange(4, 8), inRange(-3, -2, -6), inRange(1.2, 2)],
                range: [range(0, -4, -1), range(1, 4, 0), range(0, 1, 0.25)],
                strs: [1e21, 1e-7, 123.456, -0, 2 ** 53, 0.000001, 5e-324, 1 / 3].map(String),
                fixed: [(1.005).toFixed(2), (1.45).toFixed(1), (123.456).toFixed(10), (1e21).toFixed(2),
                        (0.5).toFixed(0), (2.5).toFixed(0), (-1.5).toFixed(0), (0.000001).toFixed(7)],
                precision: [(123.456).toPrecision(4), (0.00001234).toPrecision(2), (1e21).toPrecision(3),
                            (255).toString(16), (0.5).toString(2), (-255).toString(36),
                            (3.75).toString(8), (2 ** 40 + 0.5).toString(7)],
                exp: [(123456).toExponential(2), (0).toExponential(), (1.5e-10).toExponential(3)],
            });
        case "/timers": {
            // debounce: one call after the quiet period; throttle: leading + trailing.
            const calls: string[] = [];
            const d = debounce((x: string) => calls.push("d:" + x), 20);
            d("a"); d("b"); d("c");
            const t = throttle((x: string) => calls.push("t:" + x), 30);
            t("1"); t("2"); t("3");
            const dl = debounce((x: string) => calls.push("dl:" + x), 15, { leading: true, trailing: false });
            dl("x"); dl("y");
            const cancelled = debounce(() => calls.push("never"), 5);
            cancelled(); cancelled.cancel();
            const flushed = debounce((x: string) => calls.push("flushed:" + x), 1000);
            flushed("now"); flushed.flush();
            const maxWait = debounce((x: string) => calls.push("mw:" + x), 40, { maxWait: 60 });
            delay((x: string) => calls.push("delay:" + x), 10, "late");
            calls.push("sync end");
            for (let i = 0; i < 5; i++) {
                maxWait(String(i));
                await sleep(25);
            }
            await sleep(120);
            let n = 0;
            const m = memoize((x: number) => { n++; return x * 2; });
            const o = once(() => ++n);
            const c = curry((a: number, b: number, c: number) => a + b * c);
            const p = partial((a: string, b: string) => a + b, "pre-");
            // maxWait: which calls fire in between depends on how late the
            // 25 ms sleeps wake on a busy machine; at least one fires before the
            // trailing call, which is always the last argument.
            const mw = calls.filter((c) => c.startsWith("mw:"));
            const rest = calls.filter((c) => !c.startsWith("mw:"));
            return Response.json({ calls: rest.sort(), first: calls[0],
                                   maxWait: [mw.length >= 2, mw[mw.length - 1]],
                                   afterSync: calls.indexOf("sync end"),
                                   memo: [m(2), m(2), m(3), n], once: [o(), o(), n],
                                   curry: [c(1)(2)(3), c(1, 2)(3), c(1)(2, 3)], partial: p("x") });
        }
        }
        return new Response("not found", { status: 404 });
    },
};
