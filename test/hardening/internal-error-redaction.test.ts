/**
 * An unexpected failure's text ("Internal error in … petri-mcp bug") goes to the auditor: it is
 * scrubbed of secrets like every other text that leaves the server.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { registerTool, type ToolContext } from "../../src/tools/define.js";
import { registerSecret } from "../../src/util/redact.js";

describe("internal errors", () => {
  it("are scrubbed of registered secrets before they reach the client", async () => {
    const secret = "probe-secret-Zx81Qm2Lw7Kp";
    registerSecret(secret);
    const server = new McpServer({ name: "probe", version: "0" });
    registerTool(server, { recordAuditorCalls: false } as unknown as ToolContext, {
      name: "explode",
      title: "Explode",
      description: "Fails with a secret in its message.",
      operation: "read",
      input: z.object({}),
      output: z.object({}),
      handler: () => {
        throw new Error(`upstream rejected key ${secret}`);
      },
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "test", version: "0" });
    await client.connect(clientSide);
    const result = (await client.callTool({ name: "explode", arguments: {} })) as { isError?: boolean; content: Array<{ text: string }> };
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(/^Internal error in explode: upstream rejected key \[redacted\]/);
    expect(result.content[0]!.text).not.toContain(secret.slice(0, 8));
    await client.close();
  });
});
