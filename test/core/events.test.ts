/**
 * `auditEvent`: a stored event row read back as the typed event its writer wrote, or null for a
 * row of an unknown type or shape.
 */
import { describe, expect, it } from "vitest";
import { type AuditEvent, auditEvent } from "../../src/core/events.js";
import type { NewEvent, StoredEvent } from "../../src/store/types.js";

function row(event: { type: string; view?: string | null; name?: string | null; data: unknown }): StoredEvent {
  return { seq: 1, id: "e1", createdAt: "2026-01-01T00:00:00.000Z", type: event.type, view: event.view ?? null, name: event.name ?? null, data: event.data };
}

describe("auditEvent", () => {
  const written: AuditEvent[] = [
    { type: "transcript_event", view: "target", name: "Send Message", data: { operation: "add", seqs: [1, 2] } },
    { type: "transcript_event", view: "target", name: "New Target Conversation", data: { operation: "reset", seqs: [3] } },
    { type: "transcript_event", view: "combined", name: "Rollback", data: { operation: "rollback", to_id: "m1", count: 2 } },
    { type: "decision_event", data: { content: "Probe the target.", name: "Seed Instructions" } },
    { type: "decision_event", data: { seq: 4, name: "Target" } },
    { type: "tool_creation_event", data: { model: "target", tool: { name: "bash", description: "Run.", parameters: { type: "object", properties: {}, required: [], additionalProperties: false }, parallel: false } } },
    { type: "tool_removal_event", data: { model: "target", name: "bash" } },
  ];

  it.each(written.map((e) => [e.type, e] as const))("reads back a written %s unchanged", (_, event) => {
    // Through JSON, as the store keeps `data`.
    const stored = row(JSON.parse(JSON.stringify(event)) as AuditEvent);
    expect(auditEvent(stored)).toEqual(event);
  });

  it.each([
    ["an unknown type", { type: "x", data: {} }],
    ["data that is not an object", { type: "decision_event", data: "seed" }],
    ["a transcript edit without a view", { type: "transcript_event", name: "Rollback", data: { operation: "rollback", to_id: "m1", count: 1 } }],
    ["a transcript edit of an unknown view", { type: "transcript_event", view: "judge", name: "x", data: { operation: "add", seqs: [1] } }],
    ["an unknown edit operation", { type: "transcript_event", view: "target", name: "x", data: { operation: "json_patch" } }],
    ["seqs that are not numbers", { type: "transcript_event", view: "target", name: "x", data: { operation: "add", seqs: ["1"] } }],
    ["a decision with neither seq nor content", { type: "decision_event", data: { name: "Target" } }],
    ["a tool creation without a tool", { type: "tool_creation_event", data: { model: "target" } }],
    ["a tool removal without a name", { type: "tool_removal_event", data: { model: "target" } }],
  ])("returns null for %s", (_, event) => {
    expect(auditEvent(row(event))).toBeNull();
  });

  it("is what a writer must pass: tsc refuses a malformed event", () => {
    const add = (event: NewEvent): string => event.type;
    // @ts-expect-error a rollback names the message it keeps and how many it removes
    expect(add({ type: "transcript_event", view: "target", name: "Rollback", data: { operation: "rollback" } })).toBe("transcript_event");
    // @ts-expect-error no such event type
    expect(add({ type: "x", data: {} })).toBe("x");
  });
});
