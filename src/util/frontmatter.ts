/**
 * The one frontmatter parser, for seed files and rubric files: a `---` block of YAML-subset
 * `key: value` lines at the top of a Markdown file, then the body.
 *
 * Supported: scalars, quoted (`"…"` with `\"` and `\\` escapes, `'…'` with `''`) or not; inline
 * lists `[a, "b, c"]`; block lists of `- item` lines under an empty `key:`; `# comments` on their
 * own line or after a value (a `#` inside quotes, or not preceded by a space, is text). Keys are
 * lowercased. A leading BOM, blank lines and CRLF line endings are accepted; the block closes with
 * `---` or `...`.
 */

export type FrontmatterValue = string | string[];

export interface Frontmatter {
  fields: Map<string, FrontmatterValue>;
  /** The text after the block, trimmed. */
  body: string;
}

export class FrontmatterError extends Error {}

/** The value with its surrounding quotes removed and escapes resolved. */
export function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2) {
    const first = v[0];
    const last = v[v.length - 1];
    if ((first === '"' && last === '"') || (first === "'" && last === "'")) {
      const inner = v.slice(1, -1);
      return first === '"' ? inner.replace(/\\(["\\])/g, "$1") : inner.replace(/''/g, "'");
    }
  }
  return v;
}

/**
 * Removes a trailing ` # comment`. A `#` counts only outside quotes and after whitespace (or at
 * the start), as in YAML, so `"Bugs #1"` and `C#` keep theirs.
 */
export function stripComment(value: string): string {
  let quote: string | null = null;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quote) {
      if (ch === "\\" && quote === '"') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === "#" && (i === 0 || /\s/.test(value[i - 1] ?? ""))) {
      return value.slice(0, i).trim();
    }
  }
  return value.trim();
}

/** Splits an inline list body (`a, "b, c", d`) on commas outside quotes. */
function splitInlineList(inner: string): string[] {
  const items: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (const ch of inner) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === ",") {
      items.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  items.push(current);
  return items.map(unquote).filter((s) => s.length > 0);
}

function parseValue(raw: string): FrontmatterValue {
  const v = stripComment(raw);
  if (v.startsWith("[") && v.endsWith("]")) return splitInlineList(v.slice(1, -1));
  return unquote(v);
}

/**
 * Splits the frontmatter from the body. Returns undefined when the text does not start with a
 * `---` line; throws a FrontmatterError (prefixed with `label`) when the block is malformed.
 */
export function parseFrontmatter(content: string, label: string): Frontmatter | undefined {
  const lines = content.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n");
  let start = 0;
  while (start < lines.length && (lines[start] ?? "").trim() === "") start++;
  if ((lines[start] ?? "").trim() !== "---") return undefined;
  const end = lines.findIndex((line, i) => i > start && (line.trim() === "---" || line.trim() === "..."));
  if (end < 0) throw new FrontmatterError(`${label}: the frontmatter opened with '---' is never closed`);

  const fields = new Map<string, FrontmatterValue>();
  let listKey: string | null = null;
  for (let i = start + 1; i < end; i++) {
    const line = (lines[i] ?? "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const item = /^-\s*(.*)$/.exec(line);
    if (item) {
      if (listKey === null) throw new FrontmatterError(`${label}: frontmatter line ${i + 1} is a list item outside a list: ${line}`);
      const value = unquote(stripComment(item[1] ?? ""));
      const list = fields.get(listKey) as string[];
      if (value) list.push(value);
      continue;
    }
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!kv) throw new FrontmatterError(`${label}: cannot read frontmatter line ${i + 1} ('${line}'); write it as key: value`);
    const key = (kv[1] ?? "").toLowerCase();
    const rest = kv[2] ?? "";
    if (stripComment(rest) === "") {
      listKey = key;
      fields.set(key, []);
    } else {
      listKey = null;
      fields.set(key, parseValue(rest));
    }
  }
  return { fields, body: lines.slice(end + 1).join("\n").trim() };
}

/** A field as one value: undefined when absent or empty; a list of one is its item; a longer list is an error. */
export function scalarField(value: FrontmatterValue | undefined, key: string, label: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length > 1) throw new FrontmatterError(`${label}: '${key}' must be a single value, got a list`);
    return value[0];
  }
  return value === "" ? undefined : value;
}

/** A field as a list: a list as it is, a scalar split on commas (`a, b`), nothing as []. */
export function listField(value: FrontmatterValue | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  return value
    .split(",")
    .map((s) => unquote(s))
    .filter((s) => s.length > 0);
}
