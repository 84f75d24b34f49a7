/**
 * vertex/<model>: Claude on Google Vertex AI through the real @anthropic-ai/vertex-sdk, against the
 * strict fake server's rawPredict / streamRawPredict routes, with an access token (no Google
 * token endpoint is reachable in tests).
 */
import { describe, expect, it } from "vitest";
import { modelCapabilities } from "../../src/models/capabilities.js";
import { missingCredentials } from "../../src/models/credentials.js";
import { estimateCostUsd } from "../../src/models/pricing.js";
import { parseModelName } from "../../src/models/registry.js";
import { VertexModel } from "../../src/models/vertex.js";
import { configuredSecrets, redactSecrets } from "../../src/util/redact.js";
import type { FakeLlm } from "../fake-llm/server.js";
import { claudePlatformSuite } from "./claude-platform-suite.js";
import { ask, emptyHome, failure } from "./helpers.js";

const TOKEN = "ya29.a0AfH6SMBexampleVertexAccessToken";
/** A home with no gcloud credentials file, so only the variables given count. */
const HOME = emptyHome("petri-vertex-home-");

const env = (fake: FakeLlm, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  HOME,
  CLOUD_ML_REGION: "us-east5",
  ANTHROPIC_VERTEX_PROJECT_ID: "audit-project",
  ANTHROPIC_VERTEX_ACCESS_TOKEN: TOKEN,
  ANTHROPIC_VERTEX_BASE_URL: fake.vertexBaseUrl,
  ...extra,
});

const suite = claudePlatformSuite({
  provider: "vertex",
  currentModel: "claude-sonnet-4-6",
  olderModel: "claude-sonnet-4-5@20250929",
  make: (name, model, options) => new VertexModel(name, model, options),
  env,
  keyVariable: "ANTHROPIC_VERTEX_ACCESS_TOKEN",
  baseUrlVariable: "ANTHROPIC_VERTEX_BASE_URL",
  secrets: [TOKEN],
  checkEnvelope(request, model, stream) {
    expect(request.api).toBe("vertex");
    expect(request.path).toBe(`/v1/projects/audit-project/locations/us-east5/publishers/anthropic/models/${model}:${stream ? "streamRawPredict" : "rawPredict"}`);
    expect(request.model).toBe(model);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers["anthropic-version"]).toBeUndefined();
    expect(request.headers["x-api-key"]).toBeUndefined();
  },
});

describe("vertex: settings", () => {
  it("refuses a missing region, project or credential before any request, naming the variables", async () => {
    const fake = suite.fake();
    const id = "claude-sonnet-4-6";
    const noRegion = env(fake, { CLOUD_ML_REGION: undefined });
    const noProject = env(fake, { ANTHROPIC_VERTEX_PROJECT_ID: undefined });
    const noCredentials = env(fake, { ANTHROPIC_VERTEX_ACCESS_TOKEN: undefined });
    expect(missingCredentials(`vertex/${id}`, noRegion)).toBe("set CLOUD_ML_REGION (e.g. us-east5 or global)");
    expect(missingCredentials(`vertex/${id}`, noProject)).toBe("set ANTHROPIC_VERTEX_PROJECT_ID");
    expect(missingCredentials(`vertex/${id}`, noCredentials)).toMatch(/^set Google credentials \(ANTHROPIC_VERTEX_ACCESS_TOKEN from `gcloud auth print-access-token`, GOOGLE_APPLICATION_CREDENTIALS, .*\)$/);
    expect(missingCredentials(`vertex/${id}`, env(fake))).toBeNull();
    expect(missingCredentials(`vertex/${id}`, { ...noCredentials, GOOGLE_APPLICATION_CREDENTIALS: "/keys/sa.json" })).toBeNull();
    for (const bad of [noRegion, noProject, noCredentials]) {
      const error = await failure(new VertexModel(`vertex/${id}`, id, { timeoutMs: 10_000, maxRetries: 0, env: bad }).generate(ask("x")));
      expect(error.kind).toBe("auth");
      expect(error.message).toMatch(/^Cannot call vertex\/claude-sonnet-4-6: set .* in the server's environment\.$/);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("uses the global endpoint's region in the path", async () => {
    const fake = suite.fake();
    fake.script({ text: "ok" });
    await new VertexModel("vertex/claude-opus-4-7", "claude-opus-4-7", { timeoutMs: 10_000, maxRetries: 0, env: env(fake, { CLOUD_ML_REGION: "global" }) }).generate(ask("x"));
    expect(fake.requests[0]!.path).toBe("/v1/projects/audit-project/locations/global/publishers/anthropic/models/claude-opus-4-7:rawPredict");
  });

  it("scrubs the access token from errors and from everything the env scrubber cleans", async () => {
    const fake = suite.fake();
    fake.script({ error: { status: 401, message: `token ${TOKEN} expired` } });
    const error = await failure(new VertexModel("vertex/claude-sonnet-4-6", "claude-sonnet-4-6", { timeoutMs: 10_000, maxRetries: 0, env: env(fake) }).generate(ask("x")));
    expect(error.kind).toBe("auth");
    expect(error.message).toContain("ANTHROPIC_VERTEX_ACCESS_TOKEN");
    expect(error.message).not.toContain(TOKEN.slice(0, 8));
    expect(redactSecrets(`Bearer ${TOKEN}`, configuredSecrets({ ANTHROPIC_VERTEX_ACCESS_TOKEN: TOKEN }))).not.toContain("example");
  });

  it("parses vertex/ names, maps capabilities to the Claude model, and prices them from the catalogue", () => {
    expect(parseModelName("vertex/claude-sonnet-4-5@20250929")).toEqual({ provider: "vertex", model: "claude-sonnet-4-5@20250929" });
    expect(modelCapabilities(parseModelName("vertex/claude-sonnet-4-5@20250929"), {})).toMatchObject({ prefill: true, thinking: true });
    expect(modelCapabilities(parseModelName("vertex/claude-opus-4-7"), {})).toMatchObject({ prefill: false, thinking: true });
    expect(estimateCostUsd("vertex/claude-sonnet-4-5@20250929", { inputTokens: 100_000, outputTokens: 0 })).toBeCloseTo(0.3, 5);
  });
});
