// Bundles the compiled CLI (dist/cli.js, from tsc) so the stdio server starts without resolving and
// loading ~150 modules: cold start is a quality bar (see bench/). Code that the CLI imports
// dynamically (each command, each model provider with its SDK, the PostgreSQL store with `pg`) goes
// into chunks under dist/chunks/, read only when first used: parsing one 6.5 MB file cost a
// stdio start more than half its time. The other dist/ files stay for library use; better-sqlite3
// (native), the price table (loaded on demand with require) and the Bedrock and Vertex SDKs stay
// external.
import { build } from "esbuild";
import { rmSync } from "node:fs";

rmSync("dist/chunks", { recursive: true, force: true });
await build({
  entryPoints: { cli: "dist/cli.js" },
  outdir: "dist",
  chunkNames: "chunks/[name]-[hash]",
  splitting: true,
  allowOverwrite: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["better-sqlite3", "@pydantic/genai-prices", "@anthropic-ai/bedrock-sdk", "@anthropic-ai/vertex-sdk"],
  // Bundled CommonJS dependencies call require(); give each ES module file one.
  banner: { js: "import { createRequire as __petriCreateRequire } from 'node:module'; const require = __petriCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
rmSync("dist/cli.js.map", { force: true });
