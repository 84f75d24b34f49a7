/**
 * Google Vertex AI's wire format for Claude, for the fake server: `POST
 * [/v1]/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict`
 * answers the Anthropic message JSON, `:streamRawPredict` the Anthropic SSE stream (both rendered by
 * server.ts). Errors are Google's (`{"error": {code, message, status}}`, as gemini.ts renders).
 * Strict mode also checks the envelope: the model in the path and not in the body,
 * `anthropic_version` in the body, and an OAuth `Authorization: Bearer` header.
 */

/** Captures the project, region, model (URL-encoded) and method. */
export const VERTEX_PATH = /^(?:\/v1)?\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

/** A strict-mode problem with the Vertex envelope (the Messages body itself is checked like Anthropic's). */
export function validateVertexEnvelope(body: any, headers: Record<string, string>): { status: number; message: string } | null {
  if (!/^Bearer \S+$/.test(headers.authorization ?? "")) {
    return { status: 401, message: "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential." };
  }
  if ("model" in body) return { status: 400, message: "model: Extra inputs are not permitted" };
  if (typeof body.anthropic_version !== "string") return { status: 400, message: "anthropic_version: Field required" };
  return null;
}
