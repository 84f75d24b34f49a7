/**
 * vitest globalSetup: what the whole run shares instead of each test file making its own.
 * - One embedded PostgreSQL (a start costs ~6 s), started when the first file asks for it
 *   (`sharedPostgres()` in postgres.ts), so a run of SQLite-only files (or PETRI_TEST_BACKEND=sqlite)
 *   starts none; stopped when the run ends.
 * - One build of dist/ for the tests of the built CLI (`freshBuild()` in build.ts; a build costs
 *   ~30 s), none when the script that started the run has just built (`npm test`).
 *
 * The test files run in worker processes; they reach this process through a small HTTP broker on
 * 127.0.0.1, its URL handed to them with `provide` (test/support/broker.ts is their side):
 * POST /postgres/server starts the server (once) and answers its admin URL, or `{ error }` when it
 * cannot start; /postgres/database makes a fresh database (`{ migrated }`: cloned from the template
 * migrated once); /postgres/drop removes a file's databases; /build answers `{ builtAt }`.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";
import { REPO_ROOT } from "./build.js";
import { launchPostgres, type PostgresServer } from "./postgres.js";

const MAX_BODY = 1_000_000;

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > MAX_BODY) throw new Error("request too large");
  }
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/** `npm run build` (its exit code ignored: type errors elsewhere do not stop tsc from emitting); when it began, or null when not needed. */
function build(): Promise<number | null> {
  // npm puts the running script's text in npm_lifecycle_script: `npm test`'s builds before vitest.
  if (/\bnpm run build\b/.test(process.env.npm_lifecycle_script ?? "")) return Promise.resolve(null);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "build"], { cwd: REPO_ROOT, stdio: "ignore" });
    child.once("error", () => resolve(started));
    child.once("exit", () => resolve(started));
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let postgres: Promise<PostgresServer> | undefined;
  let built: Promise<number | null> | undefined;
  const routes: Record<string, (body: Record<string, unknown>) => Promise<unknown>> = {
    "/postgres/server": async () => ({ adminUrl: (await (postgres ??= launchPostgres())).adminUrl }),
    "/postgres/database": async (body) => ({ url: await (await (postgres ??= launchPostgres())).freshDatabase({ migrated: body.migrated === true }) }),
    "/postgres/drop": async (body) => {
      const urls = Array.isArray(body.urls) ? body.urls.filter((url): url is string => typeof url === "string") : [];
      await (await postgres)?.drop(urls);
      return {};
    },
    "/build": async () => ({ builtAt: await (built ??= build()) }),
  };

  const broker = createServer((request, response) => {
    void (async () => {
      const route = routes[request.url ?? ""];
      if (!route) return answer(response, 404, { error: `no such broker route: ${request.url}` });
      try {
        answer(response, 200, await route(await readJson(request)));
      } catch (error) {
        answer(response, 503, { error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    broker.once("error", reject);
    broker.listen(0, "127.0.0.1", resolve);
  });
  const address = broker.address();
  if (!address || typeof address === "string") throw new Error("the test broker has no port");
  project.provide("petriTestBroker", `http://127.0.0.1:${address.port}`);

  return async () => {
    broker.closeAllConnections();
    await new Promise((resolve) => broker.close(resolve));
    await built;
    const server = await postgres?.catch(() => undefined);
    await server?.stop();
  };
}
