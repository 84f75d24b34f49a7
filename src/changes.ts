/**
 * In-process notifications that an audit changed, so every MCP session of this process can tell
 * its subscribers (resource update notifications). Other processes see changes on their next read.
 */
export type AuditChangeListener = (auditId: string) => void;

export class ChangeBus {
  private readonly listeners = new Set<AuditChangeListener>();

  subscribe(listener: AuditChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  auditChanged(auditId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(auditId);
      } catch {
        // A closed session must not break the others.
      }
    }
  }
}
