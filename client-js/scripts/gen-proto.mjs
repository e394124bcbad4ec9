// Generates TypeScript types for the wire protocol from ../proto with Debian's
// protoc and @bufbuild/protoc-gen-es. Output: src/gen (not committed).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = resolve(root, "src/gen");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(
  "protoc",
  [
    `--plugin=protoc-gen-es=${resolve(root, "node_modules/.bin/protoc-gen-es")}`,
    `--es_out=${out}`,
    "--es_opt=target=ts,import_extension=none",
    `--proto_path=${resolve(root, "../proto")}`,
    "parley/v1/protocol.proto",
  ],
  { stdio: "inherit" },
);
