// Node peer of the hono app: node node.js PORT (after esbuild bundles this).
import { serve } from "@hono/node-server";
import app from "./app";

serve({ fetch: app.fetch, port: Number(process.argv[2]), hostname: "127.0.0.1" });
