// mustache 4 in a Worker: templates rendered as its README shows (variables,
// HTML escaping, sections over lists and objects, inverted sections, lambdas,
// partials, custom delimiters, dotted names, comments), the parse tree and its
// cache, and the errors for unclosed tags and sections.
import Mustache from "mustache";

const page = `<h1>{{title}}</h1>
{{! a comment that renders nothing }}
<p>{{greeting}}, {{user.name}} ({{user.langs.length}} languages)</p>
{{#items}}
  <li class="{{#done}}done{{/done}}{{^done}}todo{{/done}}">{{name}}: {{price}} {{{raw}}} {{&raw}}</li>
{{/items}}
{{^items}}<p>No items.</p>{{/items}}
{{#user}}{{#langs}}[{{.}}]{{/langs}}{{/user}}
{{#bold}}Hi {{user.name}}.{{/bold}}
{{> footer}}`;

const partials = {
    footer: "<footer>{{#year}}© {{year}} {{/year}}{{> sign}}</footer>",
    sign: "-- {{user.name}}",
};

function view(items: number) {
    return {
        title: "Ünïcödé & <Friends>",
        greeting: "Hello \"world\" 'quoted' `tick` =eq /slash",
        user: { name: "Zoë", langs: ["js", "c", "日本語"] },
        items: Array.from({ length: items }, (_, i) => ({
            name: "item" + i, price: (i * 1.1).toFixed(2), done: i % 2 === 0,
            raw: "<b>" + i + "</b>",
        })),
        year: 2024,
        bold: () => (text: string, render: (t: string) => string) => "<b>" + render(text) + "</b>",
    };
}

function json(v: unknown, status = 200): Response {
    return Response.json(v, { status });
}

export default {
    fetch(request: Request): Response {
        const url = new URL(request.url);
        const p = url.searchParams;
        try {
            switch (url.pathname) {
            case "/page":
                return new Response(Mustache.render(page, view(Number(p.get("n") ?? "3")), partials),
                    { headers: { "content-type": "text/html; charset=utf-8" } });
            case "/render": {
                // A template from the query: the user's own, so errors are expected.
                const tpl = p.get("t") ?? "";
                const data = JSON.parse(p.get("v") ?? "{}");
                return new Response(Mustache.render(tpl, data));
            }
            case "/tags":
                return json({
                    erb: Mustache.render("<%name%> {{name}} <%#list%><%.%>,<%/list%>",
                        { name: "x", list: [1, 2, 3] }, {}, ["<%", "%>"]),
                    inline: Mustache.render("{{=<% %>=}}<% name %> {{name}} <%={{ }}=%>{{name}}",
                        { name: "y" }),
                    config: Mustache.render("[[ name ]]", { name: "z" }, undefined,
                        { tags: ["[[", "]]"] }),
                    escape: Mustache.render("{{v}}", { v: "<&>\"'/`=" }, undefined,
                        { escape: (s: string) => s.toUpperCase() }),
                });
            case "/values":
                return json(Mustache.render(
                    "{{a}}|{{b}}|{{c}}|{{d}}|{{e}}|{{f}}|{{g}}|{{h.i.j}}|{{missing.deep}}|{{#zero}}z{{/zero}}" +
                    "|{{#empty}}e{{/empty}}|{{^empty}}none{{/empty}}|{{#f}}yes{{/f}}|{{#obj}}{{k}}{{/obj}}" +
                    "|{{#nums}}{{.}};{{/nums}}|{{fn}}|{{#nested}}{{#inner}}{{x}}{{y}}{{/inner}}{{/nested}}",
                    {
                        a: 0, b: 1.5, c: -0, d: 1e21, e: 0.1 + 0.2, f: true, g: null,
                        h: { i: { j: "deep" } }, zero: 0, empty: [], obj: { k: "K" },
                        nums: [1, 2.5, 1e-7, 123456789012], fn() { return "called " + this.a; },
                        nested: { y: "outer", inner: [{ x: 1 }, { x: 2, y: "own" }] },
                    }));
            case "/parse": {
                const tokens = Mustache.parse("a {{b}} {{#c}}d{{/c}} {{^e}}f{{/e}} {{{g}}} {{> h}} {{! i}}");
                return json(tokens);
            }
            case "/whitespace":
                return new Response(Mustache.render(
                    "begin\n  {{#list}}\n  - {{.}}\n  {{/list}}\nend\n{{! standalone }}\n" +
                    "  {{> part}}\n|{{#x}} inline {{/x}}|\r\n{{#list}}\r\n{{.}}\r\n{{/list}}\r\n",
                    { list: ["a", "b"], x: true }, { part: "p1\np2\n" }));
            case "/big": {
                const n = Number(p.get("n") ?? "2000");
                const rows = Array.from({ length: n }, (_, i) => ({ i, s: "<" + i + ">" }));
                const out = Mustache.render("{{#rows}}{{i}}={{s}};{{/rows}}", { rows });
                return json({ length: out.length, head: out.slice(0, 80), tail: out.slice(-40) });
            }
            default:
                return json({ error: "no route" }, 404);
            }
        } catch (e) {
            const err = e as Error;
            return json({ error: err.name, message: err.message }, 400);
        }
    },
};
