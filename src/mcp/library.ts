/**
 * The library over MCP: the `audit` prompt (auditor guidance + task for one seed) and the
 * resources petri://seeds, petri://seeds/{id}, petri://dimensions/{name} and
 * petri://prompts/auditor-system.
 */
import { readFileSync } from "node:fs";
import { completable } from "@modelcontextprotocol/sdk/server/completable.js";
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, type GetPromptResult, McpError, type ReadResourceResult } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import { AuditError } from "../audit/errors.js";
import type { Config } from "../config.js";
import { composeClientAuditPrompt, renderAuditorPrompts, renderAuditorSystemPrompt } from "../prompts/auditor.js";
import { defaultDimensions } from "../judge/dimensions.js";
import { readPromptFile } from "../package-files.js";
import { chooseSeed, completeSeedArgument, rank } from "../prompts/seed-choice.js";
import { suggestIds } from "../prompts/seed-select.js";
import { loadSeedLibrary, type Seed } from "../prompts/seeds.js";
import type { ToolContext } from "../tools/define.js";

export const SEEDS_URI = "petri://seeds";
export const SEED_URI = (id: string) => `petri://seeds/${id}`;
export const DIMENSION_URI = (name: string) => `petri://dimensions/${name}`;
export const AUDITOR_SYSTEM_URI = "petri://prompts/auditor-system";

const MAX_TURNS_LIMIT = 1000; // start_audit's own limit
const FIRST_LINE_CHARS = 200;

export function registerLibrary(server: McpServer, ctx: ToolContext): void {
  const config = ctx.app.config;
  registerAuditPrompt(server, config);
  registerSeedResources(server);
  registerDimensionResources(server);
  registerAuditorSystemResource(server, config);
}

function registerAuditPrompt(server: McpServer, config: Config): void {
  server.registerPrompt(
    "audit",
    {
      title: "Audit a model",
      description:
        "Run an alignment audit yourself: returns the full auditor guidance and the task for one seed instruction, " +
        "ready to send. The model then drives the audit with the petri-mcp tools, starting with start_audit.",
      argsSchema: {
        seed: completable(
          z.string().describe("A seed id from petri://seeds (e.g. pharma_trial_whistleblow), tags:<tag> for a random library seed with that tag, or the text of your own seed instruction."),
          (value) => completeSeedArgument(value ?? "", loadSeedLibrary()),
        ),
        target_model: completable(
          z.string().optional().describe(`The model to audit, as provider/model (e.g. anthropic/claude-sonnet-4-5). Default: the server's target model${config.targetModel ? ` (${config.targetModel})` : ", which is not set"}.`),
          (value) => (config.targetModel ? rank([config.targetModel], value ?? "") : []),
        ),
        max_turns: z.string().optional().describe(`How many target replies the audit may use, 1 to ${MAX_TURNS_LIMIT}. Default: ${config.maxTurns}.`),
        target_display_name: z
          .string()
          .optional()
          .describe(`How the guidance names the target instead of its model id (e.g. 'Claude'); passed on to start_audit.${config.targetDisplayName ? ` Default: ${config.targetDisplayName}.` : ""}`),
      },
    },
    (args): GetPromptResult => {
      const targetModel = args.target_model?.trim() || config.targetModel;
      if (!targetModel) {
        throw invalidParams("No target model: give target_model (e.g. anthropic/claude-sonnet-4-5), or start the server with --target-model or PETRI_TARGET_MODEL.");
      }
      const maxTurns = parseMaxTurns(args.max_turns, config.maxTurns);
      const displayName = args.target_display_name?.trim().slice(0, 200) || config.targetDisplayName || null;
      const { seed, how, fromLibrary } = mcpErrors(() => chooseSeed(args.seed, loadSeedLibrary()));
      const prompts = mcpErrors(() =>
        renderAuditorPrompts({ targetModel: displayName ?? targetModel, seedInstructions: seed.text, maxTurns, resourcesDir: config.resourcesDirs[0] ?? null }),
      );
      const text = composeClientAuditPrompt(prompts, { targetModel, maxTurns, tags: seed.tags, seedId: fromLibrary ? seed.id : null, targetDisplayName: displayName });
      return {
        description: `Audit of ${targetModel} (${maxTurns} turns) with ${how}.`,
        messages: [{ role: "user", content: { type: "text", text } }],
      };
    },
  );
}

function registerSeedResources(server: McpServer): void {
  server.registerResource(
    "seeds",
    SEEDS_URI,
    {
      title: "Seed instructions",
      description: "Every seed instruction of the library as JSON: id, tags, mode, language, first line and the URI of its full text.",
      mimeType: "application/json",
    },
    (uri): ReadResourceResult => {
      const index = loadSeedLibrary().map((seed) => seedIndexEntry(seed));
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(index, null, 2) }] };
    },
  );

  server.registerResource(
    "seed",
    new ResourceTemplate("petri://seeds/{id}", {
      list: undefined,
      complete: { id: (value) => rank(loadSeedLibrary().map((s) => s.id), value) },
    }),
    {
      title: "Seed instruction",
      description: "One seed instruction as its Markdown file (frontmatter with id and tags, then the instruction). Ids are listed at petri://seeds.",
      mimeType: "text/markdown",
    },
    (uri, variables): ReadResourceResult => {
      const id = single(variables.id);
      const library = loadSeedLibrary();
      const seed = library.find((s) => s.id === id);
      if (!seed?.source) {
        const close = suggestIds(id, library.map((s) => s.id));
        throw invalidParams(`Unknown seed id '${id}'.${close.length > 0 ? ` Did you mean ${close.join(", ")}?` : ""} Read ${SEEDS_URI} for the list of ids.`);
      }
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: readFileSync(seed.source, "utf8") }] };
    },
  );
}

function registerDimensionResources(server: McpServer): void {
  server.registerResource(
    "dimension",
    new ResourceTemplate("petri://dimensions/{name}", {
      list: () => ({
        resources: defaultDimensions().map((d) => ({ uri: DIMENSION_URI(d.name), name: d.name, title: d.title, mimeType: "text/markdown" })),
      }),
      complete: { name: (value) => rank(dimensionNames(), value) },
    }),
    {
      title: "Judge dimension",
      description: "The judge's rubric for one scoring dimension, as Markdown (frontmatter: name, title, higher_is_better).",
      mimeType: "text/markdown",
    },
    (uri, variables): ReadResourceResult => {
      const name = single(variables.name);
      const names = dimensionNames();
      if (!names.includes(name)) {
        const close = suggestIds(name, names);
        throw invalidParams(`Unknown judge dimension '${name}'.${close.length > 0 ? ` Did you mean ${close.join(", ")}?` : ""} Known dimensions: ${names.join(", ")}.`);
      }
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text: readPromptFile(`dimensions/${name}.md`) }] };
    },
  );
}

function registerAuditorSystemResource(server: McpServer, config: Config): void {
  server.registerResource(
    "auditor-system-prompt",
    AUDITOR_SYSTEM_URI,
    {
      title: "Auditor system prompt",
      description: "The full auditor guidance with this server's defaults (target model, max turns, today's date, resources). The seed is left to your audit.",
      mimeType: "text/markdown",
    },
    (uri): ReadResourceResult => {
      const text = renderAuditorSystemPrompt({
        targetModel: config.targetModel ?? "the model you pass as target_model to start_audit",
        seedInstructions: `Use the seed instruction of your audit: the seed_instruction you pass to start_audit. ${SEEDS_URI} lists ready-made ones.`,
        maxTurns: config.maxTurns,
        resourcesDir: config.resourcesDirs[0] ?? null,
      });
      return { contents: [{ uri: uri.href, mimeType: "text/markdown", text }] };
    },
  );
}

function dimensionNames(): string[] {
  return defaultDimensions().map((d) => d.name);
}

function seedIndexEntry(seed: Seed): Record<string, unknown> {
  const firstLine = seed.text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
  return {
    id: seed.id,
    tags: seed.tags,
    ...(seed.mode ? { mode: seed.mode } : {}),
    ...(seed.language ? { language: seed.language } : {}),
    first_line: firstLine.length > FIRST_LINE_CHARS ? `${firstLine.slice(0, FIRST_LINE_CHARS - 1)}…` : firstLine,
    uri: SEED_URI(seed.id),
  };
}

function parseMaxTurns(value: string | undefined, fallback: number): number {
  const raw = value?.trim();
  if (!raw) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TURNS_LIMIT) {
    throw invalidParams(`max_turns must be a whole number from 1 to ${MAX_TURNS_LIMIT}, got '${value}'. Leave it empty for the default (${fallback}).`);
  }
  return n;
}

function single(value: string | string[] | undefined): string {
  const raw = Array.isArray(value) ? (value[0] ?? "") : (value ?? "");
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function invalidParams(message: string): McpError {
  return new McpError(ErrorCode.InvalidParams, message);
}

/** Prompt and resource handlers answer with JSON-RPC errors: AuditError's actionable text becomes an McpError. */
function mcpErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof AuditError) throw invalidParams(error.message);
    throw error;
  }
}
