// marked in a Worker: Markdown (GFM) to HTML. marked builds its inline rules at
// run time with new RegExp(src, "u") and \p{P}\p{S} (the RegExp issue 19).
import { marked } from "marked";

const DOC = `# Title *with* emphasis

Some **bold**, _italic_, \`code\`, a [link](https://example.com/?a=1&b=2) and
an autolink https://example.org/x. Punctuation!? "Quotes" — dashes; emoji 😀.

- one
- two with ~~strike~~
  - nested

1. first
2. second

| a | b |
|---|:-:|
| 1 | **2** |

> quote with <b>html</b>

\`\`\`js
const x = 1 < 2;
\`\`\`
`;

export default {
    async fetch(request: Request): Promise<Response> {
        const url = new URL(request.url);
        const src = request.method === "POST" ? await request.text()
            : url.searchParams.get("md") ?? DOC;
        const html = marked.parse(src, { gfm: true, async: false }) as string;
        const inline = marked.parseInline("*a* __b__ `c` [d](e)") as string;
        return new Response(html + "\n---\n" + inline,
                            { headers: { "Content-Type": "text/html; charset=utf-8" } });
    },
};
