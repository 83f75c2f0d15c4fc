// papaparse 5 in a Worker: CSV from the request body parsed as its docs show
// (header rows, quotes, delimiter auto-detection, dynamicTyping, comments,
// skipEmptyLines, transforms, step callbacks, preview) with its errors and
// meta, and data written back with unparse (quotes, delimiters, columns).
import Papa from "papaparse";

const sample = `name,age,city,joined,score
"Lovelace, Ada",36,London,1843-07-10,9.5
Grace Hopper,85,"New York
City",1906-12-09,1e3
"Zoë ""Z"" Ångström",,Århus,,-0.25
# a comment line

"unterminated,1,2
`;

function json(v: unknown, status = 200): Response {
    return new Response(JSON.stringify(v, null, 1), {
        status, headers: { "content-type": "application/json" },
    });
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const p = url.searchParams;
        const body = request.method === "POST" ? await request.text() : sample;
        switch (url.pathname) {
        case "/parse":
            return json(Papa.parse(body));
        case "/header": {
            const r = Papa.parse<Record<string, unknown>>(body, {
                header: true, dynamicTyping: true, skipEmptyLines: true, comments: "#",
                transformHeader: (h: string) => h.trim().toLowerCase(),
            });
            return json(r);
        }
        case "/detect": {
            const r = Papa.parse(body, { delimiter: "", newline: "", quoteChar: p.get("q") ?? '"' });
            return json({ data: r.data, meta: r.meta, errors: r.errors });
        }
        case "/typed": {
            const r = Papa.parse(body, {
                dynamicTyping: (col: string | number) => col !== 0, skipEmptyLines: "greedy",
                transform: (v: string, col: string | number) => (col === 0 ? v.trim() : v),
            });
            return json(r.data.map((row) => (row as unknown[]).map((v) => [typeof v, v instanceof Date
                ? (v as Date).toISOString() : v])));
        }
        case "/step": {
            const rows: unknown[] = [];
            let chunks = 0;
            const r = Papa.parse(body, {
                header: true, preview: Number(p.get("preview") ?? "0"), fastMode: p.get("fast") === "1",
                step: (row) => { rows.push([row.data, row.errors.length]); },
                complete: () => { chunks++; },
            });
            return json({ rows, chunks, r: r ?? null });
        }
        case "/unparse": {
            const data = [
                { id: 1, name: "Plain", note: "" },
                { id: 2, name: "Comma, inside", note: "line\nbreak" },
                { id: 3, name: "Quote \"q\"", note: " padded " },
                { id: 4, name: "Zoë ☃", note: null },
                { id: 5.5, name: "=formula", note: undefined },
            ];
            return json({
                objects: Papa.unparse(data),
                quotes: Papa.unparse(data, { quotes: true, quoteChar: "'", escapeChar: "'" }),
                semicolon: Papa.unparse(data, { delimiter: ";", newline: "\n", header: false }),
                columns: Papa.unparse(data, { columns: ["name", "id"] }),
                escaped: Papa.unparse(data, { escapeFormulae: true }),
                arrays: Papa.unparse([["a", "b"], [1, "x,y"], [true, null]]),
                fields: Papa.unparse({ fields: ["x", "y"], data: [[1, 2], [3, 4]] }),
                dates: Papa.unparse([{ d: new Date(Date.UTC(2024, 1, 29, 12, 0, 0)) }]),
                roundtrip: Papa.parse(Papa.unparse(data), { header: true, dynamicTyping: true }).data,
            });
        }
        case "/big": {
            const n = Number(p.get("n") ?? "2000");
            const rows: string[] = ["i,name,value,flag"];
            for (let i = 0; i < n; i++) {
                rows.push(i + ",\"row " + i + ", é\"," + (i / 3).toFixed(4) + "," + (i % 2 === 0));
            }
            const r = Papa.parse<{ i: number; name: string; value: number; flag: boolean }>(rows.join("\r\n"),
                { header: true, dynamicTyping: true });
            const total = r.data.reduce((s, x) => s + x.value, 0);
            return json({
                count: r.data.length, errors: r.errors.length, last: r.data[n - 1],
                total: total.toFixed(6), linebreak: r.meta.linebreak,
                sorted: r.data.slice().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
                    .slice(0, 3).map((x) => x.i),
            });
        }
        default:
            return json({ error: "no route" }, 404);
        }
    },
};
