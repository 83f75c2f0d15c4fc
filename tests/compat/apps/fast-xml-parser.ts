// fast-xml-parser 5 in a Worker: XML from the request body (or a fixed feed)
// parsed with XMLParser's documented options (attributes, groups, arrays,
// CDATA, comments, entities, numbers, namespaces, stop nodes, preserveOrder),
// built back with XMLBuilder, and checked with XMLValidator (codes, line/col).
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";

const feed = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a feed -->
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Zoë's &amp; Friends &lt;blog&gt;</title>
    <link>https://example.com/?a=1&amp;b=2</link>
    <ttl>60</ttl>
    <rating>4.50</rating>
    <hex>0x1F</hex>
    <big>12345678901234567890</big>
    <lead>007</lead>
    <sci>1.5e3</sci>
    <neg>-0.25</neg>
    <flag enabled="true" count="3" ratio="0.5" empty="">yes</flag>
    <item id="1" dc:lang="en">
      <title>First</title>
      <description><![CDATA[<p>Raw <b>HTML</b> & stuff</p>]]></description>
      <dc:creator>Ada</dc:creator>
      <pubDate>Thu, 29 Feb 2024 12:30:05 GMT</pubDate>
      <category>a</category>
      <category>b</category>
    </item>
    <item id="2">
      <title>Second &#169; &#x263A; &#128512;</title>
      <description>Plain &quot;quoted&quot; &apos;text&apos;</description>
      <category>c</category>
      <script><a><b>not parsed</b></a></script>
      <br/>
    </item>
    <unicode>日本語 😀</unicode>
  </channel>
</rss>`;

function json(v: unknown, status = 200): Response {
    return new Response(JSON.stringify(v, null, 1), {
        status, headers: { "content-type": "application/json" },
    });
}

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const body = request.method === "POST" ? await request.text() : feed;
        try {
            switch (url.pathname) {
            case "/parse":
                return json(new XMLParser().parse(body));
            case "/attributes": {
                const parser = new XMLParser({
                    ignoreAttributes: false, attributeNamePrefix: "@_", allowBooleanAttributes: true,
                    parseAttributeValue: true, removeNSPrefix: true, cdataPropName: "__cdata",
                    commentPropName: "#comment", isArray: (name) => name === "item" || name === "category",
                    stopNodes: ["*.script"], unpairedTags: ["br"], alwaysCreateTextNode: false,
                });
                return json(parser.parse(body));
            }
            case "/options": {
                const grouped = new XMLParser({
                    ignoreAttributes: false, attributesGroupName: "$attrs", attributeNamePrefix: "",
                    textNodeName: "#text", parseTagValue: false, trimValues: false,
                    ignoreDeclaration: true, transformTagName: (t) => t.toLowerCase(),
                });
                const numbers = new XMLParser({
                    numberParseOptions: { hex: true, leadingZeros: false, eNotation: true, skipLike: /^big/ },
                    tagValueProcessor: (name, value) => (name === "title" ? value.toUpperCase() : undefined),
                });
                const ordered = new XMLParser({ preserveOrder: true, ignoreAttributes: false });
                const small = "<Root A='1'><B>  spaced  </B><C>2</C><B>x</B></Root>";
                return json({
                    grouped: grouped.parse(small),
                    numbers: numbers.parse(body),
                    ordered: ordered.parse(small),
                    noEntities: new XMLParser({ processEntities: false }).parse("<a>&amp;&lt;&#65;</a>"),
                    html: new XMLParser({ htmlEntities: true }).parse("<a>&copy;&nbsp;&euro;&hellip;</a>"),
                    bool: new XMLParser({ ignoreAttributes: false, allowBooleanAttributes: true })
                        .parse('<input checked disabled="disabled"/>'),
                });
            }
            case "/entities": {
                const parser = new XMLParser({ processEntities: true });
                return json(parser.parse(body));
            }
            case "/build": {
                const obj = {
                    "?xml": { "@_version": "1.0" },
                    catalog: {
                        "@_xmlns": "urn:x",
                        book: [
                            { "@_id": "b1", title: "Tom & Jerry <1>", price: 10.5, tags: ["a", "b"],
                              note: "", empty: null, flag: true },
                            { "@_id": "b2", title: "Zoë ☃", price: 0, "#text": "mixed", cover: { "@_src": "x.png" } },
                        ],
                        desc: { "__cdata": "<raw> & cdata" },
                    },
                };
                const opts = { ignoreAttributes: false, attributeNamePrefix: "@_", cdataPropName: "__cdata" };
                const pretty = new XMLBuilder({ ...opts, format: true, indentBy: "  ",
                    suppressEmptyNode: true }).build(obj);
                const compact = new XMLBuilder({ ...opts, arrayNodeName: "item" }).build(obj);
                const back = new XMLParser({ ...opts, parseTagValue: true }).parse(pretty);
                const ordered = new XMLParser({ preserveOrder: true, ignoreAttributes: false })
                    .parse(feed);
                const rebuilt = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, format: true })
                    .build(ordered);
                return json({ pretty, compact, back, rebuilt });
            }
            case "/validate": {
                const r = XMLValidator.validate(body, { allowBooleanAttributes: true, unpairedTags: ["br"] });
                return json(r === true ? { valid: true } : r);
            }
            case "/big": {
                const n = Number(url.searchParams.get("n") ?? "1000");
                const rows = Array.from({ length: n }, (_, i) => ({
                    "@_n": i, name: "row " + i + " & é", v: i * 0.5,
                }));
                const xml = new XMLBuilder({ ignoreAttributes: false }).build({ rows: { row: rows } });
                const back = new XMLParser({ ignoreAttributes: false }).parse(xml);
                return json({
                    length: xml.length, head: xml.slice(0, 120), count: back.rows.row.length,
                    last: back.rows.row[n - 1], valid: XMLValidator.validate(xml),
                });
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
