/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function
 * and per area (SQLite, JSON, zod, the MCP SDK, the OpenAI SDK, our code, GC, idle).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the system's monotonic clock, as process.hrtime (so other processes can mark times). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Busy time (idle excluded), ms. */
  busyMs: number;
  byArea: ProfileEntry[];
  byFunction: ProfileEntry[];
}

const AREAS: Array<[RegExp, string]> = [
  [/better-sqlite3|sqlite/i, "SQLite (better-sqlite3)"],
  [/node_modules\/zod\//, "zod validation"],
  [/node_modules\/@modelcontextprotocol\/sdk/, "MCP SDK (protocol, JSON-RPC)"],
  [/node_modules\/(ajv|ajv-formats)\//, "ajv (schema validation)"],
  [/node_modules\/openai\//, "OpenAI SDK"],
  [/node_modules\/@anthropic-ai\//, "Anthropic SDK"],
  [/\/src\/store\/|\/dist\/store\//, "petri-mcp store"],
  [/\/src\/|\/dist\//, "petri-mcp (other)"],
  [/undici/, "fetch/undici (HTTP client to the model)"],
  [/webstreams|internal\/streams|stream_base|node:stream|node:net|_http_/, "Node.js streams and sockets"],
  [/^node:|^internal\//, "Node.js runtime (other)"],
];

/** Native functions that write to pipes and sockets. */
const IO_WRITES = /^(writev|writeUtf8String|writeLatin1String|writeBuffer|writeAsciiString|writeUcs2String)$/;

function area(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === "(idle)") return "idle";
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)") return "V8 / native (program)";
  if (url === "" && /^(parse|stringify)$/.test(functionName)) return "JSON parse/stringify";
  if (url === "" && IO_WRITES.test(functionName)) return "I/O writes (pipes, sockets)";
  for (const [pattern, name] of AREAS) if (pattern.test(url)) return name;
  return url === "" ? `native (${functionName || "anonymous"})` : "other";
}

function shortUrl(url: string): string {
  const i = url.search(/node_modules\/|\/src\/|\/dist\//);
  return i >= 0 ? url.slice(i) : url;
}

function top(map: Map<string, number>, busy: number, count: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms: Math.round(ms * 10) / 10, share: Math.round((ms / busy) * 1000) / 10 }));
}

/** Now, on the clock the profiles use (for a ProfileWindow). */
export function profileClockMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A time window on the profile clock; samples outside it (start-up, shutdown) are left out. */
export interface ProfileWindow {
  fromMicros: number;
  toMicros: number;
}

const WHOLE: ProfileWindow = { fromMicros: 0, toMicros: Number.POSITIVE_INFINITY };

/** Self time per function and area, counting only the samples taken inside `window`. */
export function summarizeProfile(profile: CpuProfile, count = 8, window: ProfileWindow = WHOLE): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.fromMicros || at > window.toMicros) continue;
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + delta / 1000);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const where = area(node);
    if (where === "idle") continue;
    busy += ms;
    areas.set(where, (areas.get(where) ?? 0) + ms);
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  return { busyMs: Math.round(busy), byArea: top(areas, busy, count), byFunction: top(functions, busy, count) };
}

/** The summary of the one .cpuprofile node wrote into `dir`. */
export function summarizeProfileDir(dir: string, count = 8, window: ProfileWindow = WHOLE): ProfileSummary {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return summarizeProfile(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile, count, window);
}

export function describeProfile(summary: ProfileSummary, areas = 4): string {
  return summary.byArea
    .slice(0, areas)
    .map((e) => `${e.name} ${e.share}%`)
    .join(", ");
}
