// Bundles the compiled CLI (dist/cli.js, from tsc) into that one file, so the stdio server starts
// without resolving and loading ~150 modules: cold start is a quality bar (see bench/). The other
// dist/ files stay for library use; better-sqlite3 (native), the price table (loaded on demand
// with require) and the Bedrock and Vertex SDKs (imported at a bedrock/ or vertex/ model's first
// call; bundled, their 1.6 MB would cost every start ~60 ms of parsing) stay external.
import { build } from "esbuild";
import { rmSync } from "node:fs";

await build({
  entryPoints: ["dist/cli.js"],
  outfile: "dist/cli.js",
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["better-sqlite3", "@pydantic/genai-prices", "@anthropic-ai/bedrock-sdk", "@anthropic-ai/vertex-sdk"],
  // Bundled CommonJS dependencies call require(); give the ES module one.
  banner: { js: "import { createRequire as __petriCreateRequire } from 'node:module'; const require = __petriCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
rmSync("dist/cli.js.map", { force: true });
