/**
 * The fuzz harness itself: it must notice a refused call that changed the store, an internal
 * error, and a refusal that changed only the tables recording attempts (which is allowed).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AuditError } from "../../src/audit/errors.js";
import { Ref } from "./arbitraries.js";
import { type Episode, startEpisode } from "./episode.js";

let episode: Episode;
let auditId: string;

beforeAll(async () => {
  vi.stubEnv("PETRI_LOG_LEVEL", "error");
  episode = await startEpisode(0);
  auditId = episode.resolve({ audit_id: new Ref("audit", 0) }).audit_id as string;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await episode.close();
});

describe("the fuzz harness", () => {
  it("accepts a well-behaved refusal", async () => {
    const result = await episode.call("get_audit", { audit_id: "no-such-audit" });
    expect(result.isError).toBe(true);
  });

  it("flags a refused call that wrote to the store", async () => {
    const { service, store } = episode.t.app;
    const original = service.endConversation;
    service.endConversation = async (id: string) => {
      await store.audits.touch(id);
      throw new AuditError("invalid", "Refused, after writing.");
    };
    try {
      await expect(episode.call("end_conversation", { audit_id: auditId })).rejects.toThrow(/a refused call changed the store/);
    } finally {
      service.endConversation = original;
    }
  });

  it("allows a refused call that only recorded an attempt", async () => {
    const { service, store } = episode.t.app;
    const original = service.endConversation;
    service.endConversation = async () => {
      await store.modelCalls.record({ auditId, role: "target", model: "mockllm/target", startedAt: new Date().toISOString(), latencyMs: 1, errorKind: "rate_limit", error: "429" });
      throw new AuditError("model", "The target failed; nothing was written.");
    };
    try {
      const result = await episode.call("end_conversation", { audit_id: auditId });
      expect(result.isError).toBe(true);
    } finally {
      service.endConversation = original;
    }
  });

  it("flags an internal error", async () => {
    const { store } = episode.t.app;
    const original = store.snapshot;
    store.snapshot = () => {
      throw new TypeError("cannot do that");
    };
    try {
      await expect(episode.call("get_audit", { audit_id: auditId })).rejects.toThrow(/reports an internal error/);
    } finally {
      store.snapshot = original;
    }
  });
});
