/**
 * CLI mode of the fake model server, for cross-process tests.
 *
 *   node --import tsx test/fake-llm/cli.ts [--port 0] [--host 127.0.0.1] [--script steps.json]
 *        [--strict] [--latency-ms N] [--no-prefill REGEX]...
 *
 * Prints one JSON line {port, url, openaiBaseUrl, anthropicBaseUrl} once listening. Exits on
 * SIGTERM/SIGINT, or when stdin (a pipe) is closed by the parent.
 */
import { readFileSync, fstatSync } from "node:fs";
import { startFakeLlm, type FakeStep } from "./server.js";

function parseArgs(argv: string[]) {
  const out = { port: 0, host: "127.0.0.1", script: undefined as string | undefined, strict: false, latencyMs: 0, noPrefill: [] as RegExp[] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${arg}`);
      return v;
    };
    switch (arg) {
      case "--port": out.port = Number(value()); break;
      case "--host": out.host = value(); break;
      case "--script": out.script = value(); break;
      case "--strict": out.strict = true; break;
      case "--latency-ms": out.latencyMs = Number(value()); break;
      case "--no-prefill": out.noPrefill.push(new RegExp(value())); break;
      default: throw new Error(`unknown argument: ${arg}`);
    }
  }
  return out;
}

/** A script file is a FakeStep[] (default queue) or {"steps"?: FakeStep[], "models"?: {model: FakeStep[]}}. */
function loadScript(file: string): { steps: FakeStep[]; models: Record<string, FakeStep[]> } {
  const data: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (Array.isArray(data)) return { steps: data as FakeStep[], models: {} };
  const obj = (data ?? {}) as { steps?: FakeStep[]; models?: Record<string, FakeStep[]> };
  return { steps: obj.steps ?? [], models: obj.models ?? {} };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const fake = await startFakeLlm({ port: args.port, host: args.host, strict: args.strict, latencyMs: args.latencyMs, noPrefillModels: args.noPrefill });
  if (args.script) {
    const { steps, models } = loadScript(args.script);
    fake.script(...steps);
    for (const [model, modelSteps] of Object.entries(models)) fake.scriptFor(model, ...modelSteps);
  }

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    fake.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // Only a pipe/socket stdin means "parent-controlled"; /dev/null or a TTY must not stop the server.
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on("end", stop);
    process.stdin.on("close", stop);
    process.stdin.resume();
  }

  process.stdout.write(JSON.stringify({ port: fake.port, url: fake.url, openaiBaseUrl: fake.openaiBaseUrl, anthropicBaseUrl: fake.anthropicBaseUrl }) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`fake-llm: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
