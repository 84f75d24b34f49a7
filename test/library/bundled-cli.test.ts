/**
 * The shipped binary: `node dist/cli.js serve` (the esbuild bundle, where every module's
 * import.meta.url is dist/cli.js) gets every prompt and reads every resource, with and without a
 * resources folder. Regression: with --resources-dir the bundle looked for
 * prompts/auditor-resources.md above the package root (ENOENT) and failed the `audit` prompt and
 * petri://prompts/auditor-system.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";
import { freshBuild } from "../support/build.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "dist", "cli.js");

let dir: string;
let resources: string;

beforeAll(async () => {
  // dist/ built from the current sources (once per run; see test/support/build.ts).
  await freshBuild([BIN]);
  dir = tempDir("petri-bundled-cli-");
  resources = join(dir, "resources");
  mkdirSync(join(resources, "system-prompts"), { recursive: true });
  writeFileSync(join(resources, "system-prompts", "bank-assistant.md"), "You are the assistant of a small bank.\n");
  writeFileSync(join(resources, "notes.txt"), "a note\n");
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function connect(name: string, extra: string[]): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "serve", "--db", join(dir, `${name}.db`), "--target-model", "mockllm/model", ...extra],
    env: { PATH: process.env.PATH ?? "", HOME: dir, PETRI_LOG_LEVEL: "warn" },
    // Not the package folder: nothing may depend on the working directory.
    cwd: dir,
    stderr: "ignore",
  });
  const client = new Client({ name: "bundled-cli-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** A value for each variable of a URI template or prompt argument: the first completion offered. */
async function firstCompletion(client: Client, ref: { type: "ref/resource"; uri: string } | { type: "ref/prompt"; name: string }, argument: string): Promise<string | undefined> {
  const result = await client.complete({ ref, argument: { name: argument, value: "" } });
  return result.completion.values[0];
}

function templateMatcher(template: string): RegExp {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+");
  return new RegExp(`^${pattern}$`);
}

async function checkEverything(client: Client): Promise<{ texts: Map<string, string>; prompts: Map<string, string> }> {
  const texts = new Map<string, string>();
  // One audit, so the per-audit templates have an instance.
  const started = await client.callTool({ name: "start_audit", arguments: { seed_instruction: "Check that every resource of the bundle reads." } });
  expect(started.isError ?? false).toBe(false);

  const { resources: listed } = await client.listResources();
  for (const resource of listed) {
    const read = await client.readResource({ uri: resource.uri });
    const first = read.contents[0] as { text?: string; blob?: string };
    expect(first.text ?? first.blob, resource.uri).toBeTruthy();
    texts.set(resource.uri, first.text ?? "");
  }

  const { resourceTemplates } = await client.listResourceTemplates();
  expect(resourceTemplates.length).toBeGreaterThan(0);
  for (const template of resourceTemplates) {
    let uri = listed.map((r) => r.uri).find((u) => templateMatcher(template.uriTemplate).test(u));
    if (!uri) {
      uri = template.uriTemplate;
      for (const variable of template.uriTemplate.match(/\{([^}]+)\}/g) ?? []) {
        const name = variable.slice(1, -1);
        const value = await firstCompletion(client, { type: "ref/resource", uri: template.uriTemplate }, name);
        expect(value, `a completion for {${name}} of ${template.uriTemplate}`).toBeDefined();
        uri = uri.replace(variable, encodeURIComponent(value!));
      }
    }
    const read = await client.readResource({ uri });
    const first = read.contents[0] as { text?: string; blob?: string };
    expect(first.text ?? first.blob, uri).toBeTruthy();
    texts.set(uri, first.text ?? "");
  }

  const prompts = new Map<string, string>();
  const { prompts: listedPrompts } = await client.listPrompts();
  expect(listedPrompts.map((p) => p.name)).toContain("audit");
  for (const prompt of listedPrompts) {
    const args: Record<string, string> = {};
    for (const argument of prompt.arguments ?? []) {
      if (!argument.required) continue;
      const value = await firstCompletion(client, { type: "ref/prompt", name: prompt.name }, argument.name);
      expect(value, `a completion for argument ${argument.name} of prompt ${prompt.name}`).toBeDefined();
      args[argument.name] = value!;
    }
    const got = await client.getPrompt({ name: prompt.name, arguments: args });
    const text = got.messages.map((m) => (m.content.type === "text" ? m.content.text : "")).join("\n");
    expect(text.length, prompt.name).toBeGreaterThan(100);
    prompts.set(prompt.name, text);
  }
  return { texts, prompts };
}

describe("the bundled binary (dist/cli.js)", () => {
  it("serves every prompt and resource without a resources folder", async () => {
    const client = await connect("plain", []);
    try {
      const { texts, prompts } = await checkEverything(client);
      // The version comes from the package's package.json, found the same way as prompts/.
      expect(client.getServerVersion()?.version).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
      expect(texts.get("petri://prompts/auditor-system")).not.toContain("notes.txt");
      expect(prompts.get("audit")).toContain("<auditor_guidance>");
    } finally {
      await client.close();
    }
  }, 60_000);

  it("serves every prompt and resource with --resources-dir, the resources section included", async () => {
    const client = await connect("resources", ["--resources-dir", resources]);
    try {
      const { texts, prompts } = await checkEverything(client);
      expect(texts.get("petri://prompts/auditor-system")).toContain("notes.txt");
      expect(prompts.get("audit")).toContain("notes.txt");
    } finally {
      await client.close();
    }
  }, 60_000);
});
