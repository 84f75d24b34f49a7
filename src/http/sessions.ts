/**
 * The live MCP sessions of the HTTP server: one McpServer + transport per session, the requests
 * each has open, and the idle sweep. A session with an open request (its GET notification stream
 * included) is in use; one with none for `idleMs` is closed, since many clients never send DELETE.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { log } from "../log.js";
import type { NodeStreamableHttpTransport } from "./streamable.js";

export interface Session {
  id: string;
  server: McpServer;
  transport: NodeStreamableHttpTransport;
  /** Requests of this session whose response is still open. */
  openRequests: number;
  /** Open GET streams, which carry notifications not tied to a request (resource updates). */
  openStreams: number;
  /** When the last request started or ended (ms since epoch). */
  lastActivity: number;
}

export interface SessionInfo {
  id: string;
  openRequests: number;
  openStreams: number;
  idleMs: number;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  add(id: string, server: McpServer, transport: NodeStreamableHttpTransport): Session {
    const session: Session = { id, server, transport, openRequests: 0, openStreams: 0, lastActivity: this.now() };
    this.sessions.set(id, session);
    log.debug(`http session ${id} opened (${this.sessions.size} open)`);
    return session;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  remove(id: string): void {
    if (this.sessions.delete(id)) log.debug(`http session ${id} closed (${this.sessions.size} open)`);
  }

  get size(): number {
    return this.sessions.size;
  }

  list(): SessionInfo[] {
    const now = this.now();
    return [...this.sessions.values()].map((s) => ({ id: s.id, openRequests: s.openRequests, openStreams: s.openStreams, idleMs: now - s.lastActivity }));
  }

  /** Marks a request of the session as started; call the returned function when its response closes. */
  track(session: Session, isStream: boolean): () => void {
    session.openRequests++;
    if (isStream) session.openStreams++;
    session.lastActivity = this.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      session.openRequests--;
      if (isStream) session.openStreams--;
      session.lastActivity = this.now();
    };
  }

  /** Sessions with no open request and no activity for `idleMs`. */
  idle(idleMs: number): Session[] {
    const now = this.now();
    return [...this.sessions.values()].filter((s) => s.openRequests === 0 && now - s.lastActivity >= idleMs);
  }

  /** Closes a session's server and transport; the transport's onclose removes it from the map. */
  async close(session: Session): Promise<void> {
    this.remove(session.id);
    await session.server.close().catch((error: unknown) => log.warn(`closing http session ${session.id} failed`, error));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => this.close(s)));
  }
}
