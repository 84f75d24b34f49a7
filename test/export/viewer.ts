/**
 * The Petri transcript viewer (`@kaifronsdal/transcript-viewer`, installed as a devDependency) as a
 * test oracle: its JSON Schema (loaded from node_modules, never copied), its own replay code for
 * branch columns, and its server.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import ts from "typescript";
import { freePort } from "../support/ports.js";

const require = createRequire(import.meta.url);
export const VIEWER_DIR = dirname(require.resolve("@kaifronsdal/transcript-viewer/package.json"));
export const SCHEMA_PATH = join(VIEWER_DIR, "src/lib/shared/transcript-schema.json");

let validator: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null } | undefined;

/** Validates against the viewer's schema, with the viewer's Ajv options (it has Pydantic keywords). */
export function schemaErrors(transcript: unknown): string[] {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")));
  }
  if (validator(transcript)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

export interface ViewerColumn {
  title: string;
  messages: Array<{ id?: string; isShared: boolean; type: string }>;
}

let parse: ((events: unknown[], view: string) => ViewerColumn[]) | undefined;

/**
 * The viewer's own `parseTranscriptEvents` (src/lib/shared/transcript-parser.ts), transpiled and
 * run here, so tests see the branch columns exactly as the viewer builds them.
 */
export function viewerColumns(events: unknown[], view: string): ViewerColumn[] {
  if (!parse) {
    const source = readFileSync(join(VIEWER_DIR, "src/lib/shared/transcript-parser.ts"), "utf8");
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
    const types = {
      isJsonPatchOperation: (edit: { operation: string }) => edit.operation === "json_patch",
      isAddOperation: (edit: { operation: string }) => edit.operation === "add",
      isResetOperation: (edit: { operation: string }) => edit.operation === "reset",
    };
    const fakeRequire = (name: string) => (name === "./types" ? types : name === "fast-json-patch" ? require("fast-json-patch") : require(name));
    const quiet = { log: () => undefined, warn: () => undefined, error: (...args: unknown[]) => console.error(...args) };
    const exports: Record<string, unknown> = {};
    new Function("exports", "require", "console", outputText)(exports, fakeRequire, quiet);
    parse = exports.parseTranscriptEvents as typeof parse;
  }
  return parse!(events, view);
}

export interface RunningViewer {
  url: string;
  /** Everything the viewer printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `transcript-viewer --dir DIR --port P --host 127.0.0.1` and waits until it listens. */
export async function startViewer(dir: string, timeoutMs = 30_000): Promise<RunningViewer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(VIEWER_DIR, "bin/transcript-viewer.js"), "--dir", dir, "--port", String(port), "--host", "127.0.0.1"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, BROWSER: "none" },
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`transcript-viewer did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Transcript Viewer is running")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`transcript-viewer exited with code ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}
