// hono's streaming helpers and the middleware that read a response body as a
// stream (issue 20), the way hono's docs show them for Cloudflare Workers.
import { Hono } from "hono";
import { stream, streamText, streamSSE } from "hono/streaming";
import { etag } from "hono/etag";
import { prettyJSON } from "hono/pretty-json";

const app = new Hono();

app.use("/etag/*", etag());
app.use("/pretty/*", prettyJSON());

app.get("/stream", (c) =>
    stream(c, async (s) => {
        await s.write(new Uint8Array([0x48, 0x65, 0x6c, 0x6c, 0x6f]));
        await s.write(" world");
        await s.sleep(5);
        await s.write("!");
    })
);

app.get("/text", (c) =>
    streamText(c, async (s) => {
        for (let i = 1; i <= 3; i++) {
            await s.writeln("line " + i);
            await s.sleep(5);
        }
        await s.write("end");
    })
);

app.get("/sse", (c) =>
    streamSSE(c, async (s) => {
        for (let i = 1; i <= 3; i++) {
            await s.writeSSE({ event: "tick", id: String(i), data: JSON.stringify({ n: i }) });
            await s.sleep(5);
        }
        await s.writeSSE({ data: "multi\nline" });
    })
);

app.get("/pipe", (c) =>
    stream(c, async (s) => {
        const src = new ReadableStream({
            start(ctl) {
                ctl.enqueue(new TextEncoder().encode("piped "));
                ctl.enqueue(new TextEncoder().encode("stream"));
                ctl.close();
            },
        });
        await s.pipe(src);
    })
);

app.get("/etag/data", (c) => c.json({ items: [1, 2, 3], name: "etagged" }));
app.get("/etag/text", (c) => c.text("same body, same etag"));

app.get("/pretty/data", (c) => c.json({ a: 1, b: { c: [1, 2] } }));

app.get("/body-stream", async (c) => {
    // the request body as a ReadableStream, read with a reader
    const res = new Response("from a stream body");
    const reader = res.body!.getReader();
    let out = "";
    const dec = new TextDecoder();
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        out += dec.decode(value, { stream: true });
    }
    return c.text(out + " " + String(res.bodyUsed));
});

app.post("/echo-stream", (c) => new Response(c.req.raw.body, { headers: { "x-echo": "1" } }));

export default app;
