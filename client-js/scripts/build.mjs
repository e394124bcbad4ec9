// Bundles the widget (one script file) and the console, and copies the pages.
import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(root, "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// Source maps are written for local debugging but not linked from the bundles,
// and the server never serves them (server/net/static_files.cpp).
const common = { bundle: true, minify: true, sourcemap: "external", target: "es2020", format: "iife", logLevel: "warning" };
await build({ ...common, entryPoints: [resolve(root, "src/widget/index.ts")], outfile: resolve(dist, "widget.js") });
await build({ ...common, entryPoints: [resolve(root, "src/console/index.ts")], outfile: resolve(dist, "console.js") });
// The BIP39 lists the widget's secrets check loads on demand (src/core/secrets.ts).
await build({ ...common, sourcemap: false, charset: "utf8", entryPoints: [resolve(root, "src/gen/bip39-global.ts")],
  outfile: resolve(dist, "bip39.js") });
cpSync(resolve(root, "public"), dist, { recursive: true });

const widget = readFileSync(resolve(dist, "widget.js"));
console.log(
  `widget.js: ${(statSync(resolve(dist, "widget.js")).size / 1024).toFixed(1)} KiB, ` +
    `${(gzipSync(widget).length / 1024).toFixed(1)} KiB gzipped`,
);
