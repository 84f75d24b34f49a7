/**
 * `bedrock/<model>`: Claude on Amazon Bedrock through @anthropic-ai/bedrock-sdk. The requests and
 * replies are the Anthropic adapter's (thinking, prefill, tool calls); only the client differs. The
 * SDK sends the Messages body to `POST /model/{modelId}/invoke` (or `invoke-with-response-stream`)
 * with the API version in the body and the model in the path, signed with SigV4 (or sent with a
 * Bedrock API key, AWS_BEARER_TOKEN_BEDROCK).
 *
 * Settings come from the model's env at call time: AWS_REGION (or AWS_DEFAULT_REGION), the keys
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN when set (else the AWS default
 * credential chain: AWS_PROFILE, shared files, web identity, container roles), and
 * ANTHROPIC_BEDROCK_BASE_URL to point at another endpoint.
 */
import { AnthropicModel, type AnthropicModelOptions, type ClaudeConnector } from "./anthropic.js";
import { bedrockRegion, missingBedrockSettings } from "./credentials.js";
import { modelFetch } from "./http-client.js";
import { ModelError } from "./types.js";

export const connectBedrock: ClaudeConnector = (name, env, options) => {
  const missing = missingBedrockSettings(env);
  if (missing) throw new ModelError("auth", `Cannot call ${name}: ${missing} in the server's environment.`);
  const region = bedrockRegion(env)!;
  const baseURL = env.ANTHROPIC_BEDROCK_BASE_URL || `https://bedrock-runtime.${region}.amazonaws.com`;
  const bearer = env.AWS_BEARER_TOKEN_BEDROCK || null;
  const accessKey = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? env.AWS_ACCESS_KEY_ID : null;
  const secretKey = accessKey ? env.AWS_SECRET_ACCESS_KEY! : null;
  const sessionToken = accessKey ? env.AWS_SESSION_TOKEN || null : null;
  const keyVariable = bearer ? "AWS_BEARER_TOKEN_BEDROCK" : accessKey ? "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)" : "the AWS credentials of AWS_PROFILE";
  return {
    key: [baseURL, region, bearer, accessKey, secretKey, sessionToken].join("\n"),
    create: async () => {
      // Imported here, not at the top: scripts/bundle.mjs leaves this SDK (and the AWS SDK under it) out of the bundle.
      const { AnthropicBedrock } = await import("@anthropic-ai/bedrock-sdk");
      const common = {
        baseURL,
        awsRegion: region,
        // null, not undefined: the SDK would read AWS_BEARER_TOKEN_BEDROCK from process.env, not this env.
        apiKey: bearer,
        timeout: options.timeoutMs,
        maxRetries: options.maxRetries,
        fetch: modelFetch,
        ...(options.logger ? { logger: options.logger } : {}),
      };
      // Without keys in this env, the SDK signs with the AWS default credential chain.
      return accessKey ? new AnthropicBedrock({ ...common, awsAccessKey: accessKey, awsSecretKey: secretKey!, awsSessionToken: sessionToken }) : new AnthropicBedrock(common);
    },
    context: {
      model: name,
      provider: "Amazon Bedrock",
      keyVariable,
      baseUrlVariable: "ANTHROPIC_BEDROCK_BASE_URL",
      baseURL,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      secrets: [bearer, secretKey, sessionToken].filter((s): s is string => s !== null),
    },
  };
};

/** Claude on Bedrock: `bedrock/us.anthropic.claude-sonnet-4-6-v1:0` (a model id or inference profile). */
export class BedrockModel extends AnthropicModel {
  constructor(name: string, model: string, options: AnthropicModelOptions) {
    super(name, model, options, connectBedrock, "bedrock");
  }
}
