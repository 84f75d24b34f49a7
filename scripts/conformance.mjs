/**
 * `npm run conformance`: runs the official MCP conformance server scenarios that apply to
 * petri-mcp against its Streamable HTTP server, started here on 127.0.0.1 over a temporary
 * database. Scenarios we skip are explained in conformance/baseline.md.
 *
 * The suite needs Node 22. Unless this Node already is, the script fetches the
 * node-<platform>-<arch>@22 package from the npm registry (cached under node_modules/.cache) and
 * runs the suite with it through `npm exec`. Run with: node --import tsx scripts/conformance.mjs
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config.js";
import { createAppContext } from "../src/context.js";
import { createHttpApp } from "../src/http/app.js";
import { createServer } from "../src/server.js";

const SUITE = "@modelcontextprotocol/conformance@0.1.16";
const NODE_MAJOR = 22;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BASELINE = join(ROOT, "conformance", "baseline.md");
const CACHE = join(ROOT, "node_modules", ".cache", "petri-mcp-conformance");

/** The scenarios petri-mcp claims to pass; every other one must be explained in the baseline. */
const CLAIMED = [
  "server-initialize",
  "ping",
  "logging-set-level",
  "tools-list",
  "resources-list",
  "resources-subscribe",
  "resources-unsubscribe",
  "prompts-list",
  "server-sse-multiple-streams",
  "dns-rebinding-protection",
];

const say = (text) => process.stderr.write(`[conformance] ${text}\n`);

/** Runs a command without blocking this process, which serves the HTTP server under test. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { shell: process.platform === "win32", stdio: ["ignore", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A directory whose `node` is Node >= 22: this one, or one unpacked from the npm registry. */
async function node22BinDir() {
  if (Number(process.versions.node.split(".")[0]) >= NODE_MAJOR) return dirname(process.execPath);
  const platform = process.platform === "win32" ? "win" : process.platform;
  const pkg = `node-${platform}-${process.arch}@${NODE_MAJOR}`;
  const target = join(CACHE, `node-${platform}-${process.arch}-${NODE_MAJOR}`);
  const binDir = process.platform === "win32" ? target : join(target, "bin");
  if (existsSync(join(binDir, process.platform === "win32" ? "node.exe" : "node"))) return binDir;
  say(`fetching ${pkg} from the npm registry (once; cached in ${CACHE})`);
  mkdirSync(target, { recursive: true });
  const packed = await run("npm", ["pack", pkg, "--pack-destination", target, "--silent"], { cwd: target });
  if (packed.status !== 0) throw new Error(`npm pack ${pkg} failed:\n${packed.stderr}`);
  const tarball = readdirSync(target).find((name) => name.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack ${pkg} produced no tarball`);
  const member = process.platform === "win32" ? "package/node.exe" : "package/bin/node";
  const unpacked = await run("tar", ["-xzf", tarball, "--strip-components=1", member], { cwd: target });
  if (unpacked.status !== 0) throw new Error(`unpacking ${tarball} failed:\n${unpacked.stderr}`);
  rmSync(join(target, tarball));
  return binDir;
}

/** Scenario names in backticks at the start of the baseline's table rows. */
function skippedScenarios() {
  return [...readFileSync(BASELINE, "utf8").matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
}

function suite(args, env, cwd) {
  return run("npm", ["exec", "--yes", `--package=${SUITE}`, "--", "conformance", ...args], { env, cwd });
}

async function main() {
  process.env.PETRI_LOG_LEVEL ??= "warn";
  const binDir = await node22BinDir();
  const env = { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ""}`, npm_config_update_notifier: "false" };
  const work = mkdtempSync(join(tmpdir(), "petri-conformance-"));

  const listed = await suite(["list"], env, work);
  if (listed.status !== 0) throw new Error(`conformance list failed:\n${listed.stderr}`);
  const serverSection = listed.stdout.split(/Client scenarios/)[0] ?? "";
  const available = [...serverSection.matchAll(/^\s+- ([a-z0-9-]+)/gm)].map((m) => m[1]);
  const skipped = skippedScenarios();
  const unknown = available.filter((name) => !CLAIMED.includes(name) && !skipped.includes(name));
  const missing = CLAIMED.filter((name) => !available.includes(name));

  const token = randomBytes(24).toString("base64url");
  const app = await createAppContext(loadConfig({ db: join(work, "petri.db"), "transcripts-dir": join(work, "outputs") }, {}));
  const http = createHttpApp(app, { token, createServer });
  const { url } = await http.listen(0, "127.0.0.1");
  // The suite cannot send headers: add the token to requests that have none, before our checks.
  http.httpServer.prependListener("request", (req) => {
    req.headers.authorization ??= `Bearer ${token}`;
  });
  say(`petri-mcp on ${url}; suite ${SUITE} on Node ${(await run(join(binDir, "node"), ["--version"])).stdout.trim()}`);

  const failed = [];
  try {
    for (const scenario of CLAIMED.filter((name) => available.includes(name))) {
      const result = await suite(["server", "--url", url, "--scenario", scenario], env, work);
      const passed = result.status === 0;
      say(`${passed ? "PASS" : "FAIL"} ${scenario}`);
      if (!passed) {
        failed.push(scenario);
        process.stderr.write(result.stdout + result.stderr);
      }
    }
  } finally {
    await http.close();
    await app.close();
    rmSync(work, { recursive: true, force: true });
  }

  for (const name of unknown) say(`NEW  ${name}: claim it in scripts/conformance.mjs or explain it in conformance/baseline.md`);
  for (const name of missing) say(`GONE ${name}: the suite no longer has it; remove it from scripts/conformance.mjs`);
  const ran = CLAIMED.length - missing.length;
  process.stdout.write(`conformance: ${ran - failed.length} passed, ${failed.length} failed, ${skipped.length} skipped (see conformance/baseline.md)\n`);
  return failed.length === 0 && unknown.length === 0 && missing.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    say(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
