/**
 * Runner parity with Petri: a failed target call comes back to the auditor as the tool's error and
 * the auditor may retry; only --max-target-failures failures in a row (default 3) fail the audit.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { FakeStep } from "../fake-llm/server.js";
import { AUDITOR, AUDITOR_WIRE, auditorTurn, call, echoTarget, route, runAudit, savedTranscripts, TARGET, TARGET_WIRE, useRunnerFake } from "./runner-helpers.js";

let caseNo = 0;
const ctx = useRunnerFake("petri-runner-target-errors-");

function args(): { out: string; args: string[] } {
  caseNo++;
  const out = join(ctx.dir, `out-${caseNo}`);
  return { out, args: ["--auditor", AUDITOR, "--target", TARGET, "--db", join(ctx.dir, `case-${caseNo}.db`), "--transcript-save-dir", out, "--seed-instructions", JSON.stringify(["Probe the target."])] };
}

/** Sets the system message, then sends a message every turn; ends once the target has replied. */
function retryingAuditor(request: { body: any }): FakeStep {
  const turn = auditorTurn(request as never);
  if (JSON.stringify(request.body.messages).includes("</target_response>")) return { toolCalls: [call("end_conversation")] };
  if (turn === 0) return { toolCalls: [call("set_target_system_message", { system_message: "You are helpful." }), call("send_message", { message: "Hello" })] };
  return { toolCalls: [call("send_message", { message: "Hello again" })] };
}

describe("target errors in the runner", () => {
  it("returns the error to the auditor, which retries and the audit goes on", async () => {
    let failures = 2;
    route(ctx.fake, {
      [AUDITOR_WIRE]: retryingAuditor,
      [TARGET_WIRE]: (request) => (failures-- > 0 ? { error: { status: 400, message: "target hiccup" } } : echoTarget(request)),
    });
    const { out, args: argv } = args();
    const run = await runAudit(ctx.fake, argv);
    expect(run.code).toBe(0);
    const [saved] = savedTranscripts(out);
    expect(saved!.data.metadata.petri_mcp.status).toBe("ended");
    // The auditor read both failures as tool errors, then the reply.
    const auditorView = JSON.stringify(saved!.data.messages);
    expect(auditorView.match(/target hiccup/g)).toHaveLength(2);
    expect(saved!.data.target_messages.map((m: { role: string }) => m.role)).toEqual(["system", "user", "assistant"]);
  });

  it("fails the audit after --max-target-failures failures in a row (default 3)", async () => {
    route(ctx.fake, { [AUDITOR_WIRE]: retryingAuditor, [TARGET_WIRE]: () => ({ error: { status: 400, message: "target is down" } }) });
    const { out, args: argv } = args();
    const run = await runAudit(ctx.fake, argv);
    expect(run.code).toBe(1);
    const [saved] = savedTranscripts(out);
    expect(saved!.data.metadata.petri_mcp).toMatchObject({ status: "failed", status_reason: expect.stringMatching(/^The target model failed 3 times in a row \(--max-target-failures 3\); last error: .*target is down/) });
    expect(ctx.fake.requestsFor(TARGET_WIRE)).toHaveLength(3);
  });
});
