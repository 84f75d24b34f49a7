// `prepare`: builds dist/ when npm installs this folder (`npm ci` in a clone, `npm install -g .`).
// The build needs the devDependencies (TypeScript, esbuild); `npm install -g .` on a fresh clone does
// not install them, which used to end in "tsc: not found". Say what to run instead.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const root = new URL("..", import.meta.url);
const tools = ["node_modules/typescript/package.json", "node_modules/esbuild/package.json"];
if (!tools.every((file) => existsSync(new URL(file, root)))) {
  console.error(
    "petri-mcp: cannot build dist/: the development dependencies (TypeScript, esbuild) are not installed in this folder.\n" +
      "In the clone, run `npm ci` first (it installs them and builds), then `npm install -g .`.",
  );
  process.exit(1);
}
const build = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
process.exit(build.status ?? 1);
