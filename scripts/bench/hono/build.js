/*
 * build.js: the hono app (app.ts) for Node and workerd, with the esbuild that
 * scripts/nanod-build uses (tools/node_modules, pinned by tools/package-lock.json).
 *   node build.js node OUT.js      app.ts behind @hono/node-server (node.ts), CommonJS
 *   node build.js workerd OUT.js   app.ts as a Workers ES module
 * nanod gets the same app.ts through scripts/nanod-build.
 */
"use strict";
var path = require("path");
var esbuild = require(path.join(__dirname, "..", "..", "..", "tools", "node_modules", "esbuild"));

var target = process.argv[2], out = process.argv[3];
var common = { bundle: true, outfile: out, logLevel: "error", minify: false };

if (target === "node") {
    esbuild.buildSync(Object.assign({ entryPoints: [path.join(__dirname, "node.ts")],
                                      platform: "node", format: "cjs", target: "node20" }, common));
} else if (target === "workerd") {
    /* As wrangler bundles a Worker. */
    esbuild.buildSync(Object.assign({ entryPoints: [path.join(__dirname, "app.ts")],
                                      platform: "neutral", format: "esm", target: "es2022",
                                      conditions: ["workerd", "worker", "browser"],
                                      mainFields: ["browser", "module", "main"] }, common));
} else {
    process.stderr.write("usage: node build.js node|workerd OUT.js\n");
    process.exit(2);
}
