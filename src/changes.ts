/**
 * Notifications that an audit changed, so every MCP session of this process can tell its
 * subscribers (resource update notifications). The one source is the store (AppContext feeds this
 * bus from `store.onChange`): a change is announced once it commits, once per transaction. On
 * PostgreSQL that includes changes made by every other process (LISTEN/NOTIFY); on SQLite only this
 * process's, and other processes see changes on their next read.
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
