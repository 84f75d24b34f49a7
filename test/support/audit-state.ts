/**
 * What the store holds about one audit's conversation, read through the store interface (any
 * backend): for "nothing was written" checks. The attempt records (model calls, realism checks,
 * judge runs) are left out: a failed call may add rows there by design.
 */
import type { AuditStore, TreeView } from "../../src/store/types.js";

const VIEWS: readonly TreeView[] = ["target", "combined", "auditor"];

export async function auditState(store: AuditStore, auditId: string): Promise<Record<string, unknown>> {
  return store.snapshot(async (tx) => {
    const audit = await tx.audits.get(auditId);
    const { updatedAt: _updatedAt, version: _version, ...fields } = audit ?? ({} as Record<string, unknown>);
    const views: Record<string, unknown> = {};
    for (const view of VIEWS) views[view] = { head: await tx.messages.head(auditId, view), messages: await tx.messages.all(auditId, view) };
    return {
      audit: audit ? fields : null,
      views,
      events: await tx.events.list(auditId),
      tools: await tx.tools.list(auditId),
      lease: await tx.leases.holder(auditId),
    };
  });
}
