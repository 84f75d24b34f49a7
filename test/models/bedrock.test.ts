/**
 * bedrock/<model>: Claude on Amazon Bedrock through the real @anthropic-ai/bedrock-sdk, against the
 * strict fake server's InvokeModel routes (SigV4-signed, EventStream when streaming).
 */
import { describe, expect, it } from "vitest";
import { BedrockModel } from "../../src/models/bedrock.js";
import { modelCapabilities } from "../../src/models/capabilities.js";
import { missingCredentials } from "../../src/models/credentials.js";
import { providerFactories } from "../../src/models/providers.js";
import { ModelRegistry, parseModelName } from "../../src/models/registry.js";
import { configuredSecrets, redactSecrets } from "../../src/util/redact.js";
import type { FakeLlm } from "../fake-llm/server.js";
import { claudePlatformSuite } from "./claude-platform-suite.js";
import { ask, emptyHome, failure } from "./helpers.js";

const SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKEN";
/** A home with no ~/.aws, so only the variables given count. */
const HOME = emptyHome("petri-bedrock-home-");

const env = (fake: FakeLlm, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => ({
  HOME,
  AWS_REGION: "us-west-2",
  AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
  AWS_SECRET_ACCESS_KEY: SECRET_KEY,
  AWS_SESSION_TOKEN: SESSION_TOKEN,
  ANTHROPIC_BEDROCK_BASE_URL: fake.bedrockBaseUrl,
  ...extra,
});

const suite = claudePlatformSuite({
  provider: "bedrock",
  currentModel: "us.anthropic.claude-sonnet-4-6-v1:0",
  olderModel: "anthropic.claude-sonnet-4-5-20250929-v1:0",
  make: (name, model, options) => new BedrockModel(name, model, options),
  env,
  keyVariable: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
  baseUrlVariable: "ANTHROPIC_BEDROCK_BASE_URL",
  secrets: [SECRET_KEY, SESSION_TOKEN],
  checkEnvelope(request, model, stream) {
    expect(request.api).toBe("bedrock");
    expect(request.path).toBe(`/model/${model}/${stream ? "invoke-with-response-stream" : "invoke"}`);
    expect(request.model).toBe(model);
    // SigV4 with the given keys and region (the signature itself is not verified).
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/);
    expect(request.headers["x-amz-security-token"]).toBe(SESSION_TOKEN);
    expect(request.headers["anthropic-version"]).toBeUndefined();
    expect(request.body.stream).toBeUndefined();
  },
});

describe("bedrock: settings", () => {
  it("is reached through the registry's provider factories (the SDK loaded at the first call)", async () => {
    const fake = suite.fake();
    fake.script({ text: "via the registry" });
    const registry = new ModelRegistry({ factories: providerFactories({ modelTimeoutMs: 10_000, modelMaxRetries: 0 }, env(fake)) });
    const result = await registry.resolve("bedrock/us.anthropic.claude-sonnet-4-6-v1:0").generate(ask("x"));
    expect(result.message.content).toBe("via the registry");
    expect(registry.capabilities("vertex/claude-opus-4-7").prefill).toBe(false);
  });

  it("takes AWS_DEFAULT_REGION when AWS_REGION is unset, and a Bedrock API key instead of SigV4", async () => {
    const fake = suite.fake();
    fake.script({ text: "ok" }, { text: "ok" });
    const id = "global.anthropic.claude-opus-4-7";
    await new BedrockModel(`bedrock/${id}`, id, { timeoutMs: 10_000, maxRetries: 0, env: env(fake, { AWS_REGION: undefined, AWS_DEFAULT_REGION: "eu-west-1" }) }).generate(ask("x"));
    expect(fake.requests[0]!.headers.authorization).toContain("/eu-west-1/bedrock/aws4_request");
    const bearer = env(fake, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_BEARER_TOKEN_BEDROCK: "bedrock-api-key-123456" });
    await new BedrockModel(`bedrock/${id}`, id, { timeoutMs: 10_000, maxRetries: 0, env: bearer }).generate(ask("x"));
    expect(fake.requests[1]!.headers.authorization).toBe("Bearer bedrock-api-key-123456");
  });

  it("refuses a missing region or credential before any request, naming the variables", async () => {
    const fake = suite.fake();
    const id = "us.anthropic.claude-sonnet-4-6-v1:0";
    const noRegion = env(fake, { AWS_REGION: undefined });
    const noSecret = env(fake, { AWS_SECRET_ACCESS_KEY: undefined });
    const nothing = { HOME, ANTHROPIC_BEDROCK_BASE_URL: fake.bedrockBaseUrl };
    expect(missingCredentials(`bedrock/${id}`, noRegion)).toBe("set AWS_REGION (or AWS_DEFAULT_REGION)");
    expect(missingCredentials(`bedrock/${id}`, noSecret)).toBe("set AWS_SECRET_ACCESS_KEY");
    expect(missingCredentials(`bedrock/${id}`, nothing)).toMatch(/^set AWS_REGION \(or AWS_DEFAULT_REGION\) and AWS credentials \(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.*AWS_PROFILE.*\)$/);
    expect(missingCredentials(`bedrock/${id}`, env(fake))).toBeNull();
    expect(missingCredentials(`bedrock/${id}`, { HOME, AWS_REGION: "us-east-1", AWS_PROFILE: "research" })).toBeNull();
    for (const bad of [noRegion, noSecret, nothing]) {
      const error = await failure(new BedrockModel(`bedrock/${id}`, id, { timeoutMs: 10_000, maxRetries: 0, env: bad }).generate(ask("x")));
      expect(error.kind).toBe("auth");
      expect(error.message).toMatch(/^Cannot call bedrock\/us\.anthropic\.claude-sonnet-4-6-v1:0: set .* in the server's environment\.$/);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it("scrubs the secret key and session token from errors, logs and stored text", async () => {
    const fake = suite.fake();
    fake.script({ error: { status: 400, message: `bad signature for ${SECRET_KEY} with ${SESSION_TOKEN}` } });
    const id = "us.anthropic.claude-sonnet-4-6-v1:0";
    const error = await failure(new BedrockModel(`bedrock/${id}`, id, { timeoutMs: 10_000, maxRetries: 0, env: env(fake) }).generate(ask("x")));
    expect(error.message).not.toContain(SECRET_KEY.slice(0, 8));
    expect(error.message).not.toContain(SESSION_TOKEN.slice(0, 8));
    // The env scrubber (used for logs and everything stored) knows these variables too.
    const secrets = configuredSecrets({ AWS_SECRET_ACCESS_KEY: SECRET_KEY, AWS_SESSION_TOKEN: SESSION_TOKEN, AWS_BEARER_TOKEN_BEDROCK: "bedrock-api-key-123456" });
    expect(redactSecrets(`${SECRET_KEY} ${SESSION_TOKEN} bedrock-api-key-123456`, secrets)).not.toMatch(/EXAMPLE|bedrock-api-key/);
  });

  it("parses bedrock/ names and maps capabilities to the underlying Claude model", () => {
    expect(parseModelName("bedrock/us.anthropic.claude-sonnet-4-6-v1:0")).toEqual({ provider: "bedrock", model: "us.anthropic.claude-sonnet-4-6-v1:0" });
    const current = modelCapabilities(parseModelName("bedrock/us.anthropic.claude-sonnet-4-6-v1:0"), {});
    expect(current).toMatchObject({ prefill: false, thinking: true, parallelToolCalls: true, temperature: false });
    expect(modelCapabilities(parseModelName("bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0"), {}).prefill).toBe(true);
    expect(modelCapabilities(parseModelName("bedrock/anthropic.claude-3-5-haiku-20241022-v1:0"), {}).thinking).toBe(false);
  });
});
