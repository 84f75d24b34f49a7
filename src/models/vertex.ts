/**
 * `vertex/<model>`: Claude on Google Vertex AI through @anthropic-ai/vertex-sdk. The requests and
 * replies are the Anthropic adapter's (thinking, prefill, tool calls); only the client differs. The
 * SDK sends the Messages body to
 * `POST /projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict`
 * (`:streamRawPredict` when streaming) with the API version in the body and the model in the path.
 *
 * Settings come from the model's env at call time: CLOUD_ML_REGION, ANTHROPIC_VERTEX_PROJECT_ID,
 * ANTHROPIC_VERTEX_BASE_URL to point at another endpoint, and either ANTHROPIC_VERTEX_ACCESS_TOKEN
 * (a token from `gcloud auth print-access-token`, sent as is) or Google's application-default
 * credentials, which the SDK resolves through google-auth-library.
 */
import type { AnthropicVertex } from "@anthropic-ai/vertex-sdk";
import { AnthropicModel, type AnthropicModelOptions, type ClaudeConnector } from "./anthropic.js";
import { missingVertexSettings } from "./credentials.js";
import { modelFetch } from "./http-client.js";
import { ModelError } from "./types.js";

type AuthClient = NonNullable<ConstructorParameters<typeof AnthropicVertex>[0]>["authClient"];

/**
 * An auth client that sends a fixed access token. (The SDK's own `accessToken` option is kept but
 * never sent: its requests always take their headers from a google-auth-library client.)
 */
function tokenAuthClient(token: string): AuthClient {
  return { getRequestHeaders: async () => new Headers({ authorization: `Bearer ${token}` }) } as unknown as AuthClient;
}

/** The endpoint for a region, as the SDK builds it. */
function vertexBaseUrl(region: string): string {
  if (region === "global") return "https://aiplatform.googleapis.com/v1";
  if (region === "us" || region === "eu") return `https://aiplatform.${region}.rep.googleapis.com/v1`;
  return `https://${region}-aiplatform.googleapis.com/v1`;
}

export const connectVertex: ClaudeConnector = (name, env, options) => {
  const missing = missingVertexSettings(env);
  if (missing) throw new ModelError("auth", `Cannot call ${name}: ${missing} in the server's environment.`);
  const region = env.CLOUD_ML_REGION!;
  const projectId = env.ANTHROPIC_VERTEX_PROJECT_ID!;
  const baseURL = env.ANTHROPIC_VERTEX_BASE_URL || vertexBaseUrl(region);
  const token = env.ANTHROPIC_VERTEX_ACCESS_TOKEN || null;
  return {
    key: [baseURL, region, projectId, token].join("\n"),
    create: async () =>
      // Imported here, not at the top: scripts/bundle.mjs leaves this SDK (and google-auth-library's use of it) out of the bundle.
      new (await import("@anthropic-ai/vertex-sdk")).AnthropicVertex({
        baseURL,
        region,
        projectId,
        // Without a token the SDK resolves application-default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server).
        ...(token ? { authClient: tokenAuthClient(token) } : {}),
        timeout: options.timeoutMs,
        maxRetries: options.maxRetries,
        fetch: modelFetch,
        ...(options.logger ? { logger: options.logger } : {}),
      }),
    context: {
      model: name,
      provider: "Google Vertex AI",
      keyVariable: token ? "ANTHROPIC_VERTEX_ACCESS_TOKEN (tokens from gcloud expire after an hour)" : "the application-default credentials (GOOGLE_APPLICATION_CREDENTIALS or gcloud)",
      baseUrlVariable: "ANTHROPIC_VERTEX_BASE_URL",
      baseURL,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      secrets: token ? [token] : [],
    },
  };
};

/** Claude on Vertex: `vertex/claude-sonnet-4-5@20250929`. */
export class VertexModel extends AnthropicModel {
  constructor(name: string, model: string, options: AnthropicModelOptions) {
    super(name, model, options, connectVertex, "vertex");
  }
}
