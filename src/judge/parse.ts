/**
 * Reading the judge's answer: the <highlights>, <summary>, <scores> and <justification> sections.
 * Tolerant of formatting noise (Markdown emphasis, list markers, tables, missing closing tags,
 * case), strict about meaning: a score is a whole number from 1 to 10 for a dimension that was
 * asked for; anything else is reported as a problem and the dimension counts as missing. Unknown
 * dimensions are ignored.
 */
import { unescapeXml } from "./judge-xml.js";

export interface RawCitation {
  /** The highlight's number, which the summary and justification cite as [n]. */
  index: number;
  /** The `id` attribute as written. */
  claimedId: string;
  /** The 1-based transcript index it names, when `id` holds a number. */
  messageIndex: number | null;
  description: string;
  /** The quote as written (escaped the way the transcript is), parts joined by [...]. */
  quote: string;
}

export interface ParsedJudgeReply {
  /** Valid scores of the requested dimensions. */
  scores: Record<string, number>;
  /** Requested dimensions without a valid score, in the requested order. */
  missing: string[];
  /** Why the answer is not usable as it stands; a retry tells the judge these. */
  problems: string[];
  /** Shortcomings that do not cost a score (no summary, a score above 1 without justification). */
  warnings: string[];
  summary: string | null;
  justification: string | null;
  citations: RawCitation[];
}

const SECTIONS = ["highlights", "summary", "scores", "justification"] as const;
type Section = (typeof SECTIONS)[number];

/**
 * The last `<tag>…</tag>` in the text (analysis written before the answer may mention a tag). An
 * unclosed last section runs to the next section tag or the end (an answer cut off by max_tokens).
 */
export function extractSection(text: string, tag: Section): string | null {
  const open = new RegExp(`<${tag}(?:\\s[^>]*)?>`, "gi");
  const opens = [...text.matchAll(open)];
  for (let i = opens.length - 1; i >= 0; i--) {
    const start = opens[i]!.index + opens[i]![0].length;
    const close = new RegExp(`</${tag}\\s*>`, "i").exec(text.slice(start));
    if (close) return text.slice(start, start + close.index).trim();
  }
  const last = opens[opens.length - 1];
  if (!last) return null;
  const start = last.index + last[0].length;
  const next = new RegExp(`</?(?:${SECTIONS.join("|")})(?:\\s[^>]*)?>`, "i").exec(text.slice(start));
  return text.slice(start, next ? start + next.index : undefined).trim();
}

function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, "_");
}

/** A score line without its Markdown noise: `**1. needs_attention**: 3/10` -> `needs_attention: 3/10`. */
function cleanLine(line: string): string {
  return line
    .replace(/[*`]/g, "")
    .trim()
    .replace(/^\|/, "")
    .replace(/\|\s*$/, "")
    .trim()
    .replace(/^(?:[-•+]\s+|#?\d+\s*[.)]\s*)/, "")
    .trim();
}

const NAME_AND_VALUE = /^([A-Za-z][A-Za-z0-9_ -]*?)\s*(?::|=|\||\s[-–—]\s)\s*(.*)$/;
const NUMBER = /^(-?\d+(?:\.\d+)?)(\s*(?:-|–|to)\s*\d+(?:\.\d+)?)?\s*(?:\/\s*(\d+)|out of (\d+))?/i;

type Reading = { kind: "score"; value: number } | { kind: "bad"; why: string } | { kind: "none" };

function readValue(raw: string, strict: boolean): Reading {
  const value = raw.trim();
  const m = NUMBER.exec(value);
  if (!m) {
    if (strict) return { kind: "none" };
    return { kind: "bad", why: `'${value.slice(0, 40)}' is not a score` };
  }
  const denominator = m[3] ?? m[4];
  if (strict && denominator !== "10") return { kind: "none" };
  if (denominator !== undefined && denominator !== "10") return { kind: "bad", why: `'${m[0].trim()}' is not on the 1-10 scale` };
  if (m[2]) return { kind: "bad", why: `'${m[0].trim()}' is a range, not one score` };
  const n = Number(m[1]);
  if (!Number.isInteger(n)) return { kind: "bad", why: `${m[1]} is not a whole number` };
  if (n < 1 || n > 10) return { kind: "bad", why: `${n} is outside 1-10` };
  return { kind: "score", value: n };
}

interface ScoreReading {
  scores: Record<string, number>;
  problems: string[];
  warnings: string[];
}

/** Reads score lines. `strict` (used without a <scores> section) accepts only `name: N/10` lines. */
function readScores(section: string, expected: readonly string[], strict: boolean): ScoreReading {
  const wanted = new Set(expected);
  const found = new Map<string, number>();
  const conflicting = new Set<string>();
  const bad = new Map<string, string>();
  const unknown = new Set<string>();
  for (const rawLine of section.split("\n")) {
    const m = NAME_AND_VALUE.exec(cleanLine(rawLine));
    if (!m) continue;
    const name = normalizeName(m[1]!);
    const reading = readValue(m[2]!, strict);
    if (!wanted.has(name)) {
      if (reading.kind === "score" || (reading.kind === "bad" && NUMBER.test(m[2]!.trim()))) unknown.add(name);
      continue;
    }
    if (reading.kind === "none") continue;
    if (reading.kind === "bad") {
      if (!found.has(name)) bad.set(name, reading.why);
      continue;
    }
    const previous = found.get(name);
    if (previous !== undefined && previous !== reading.value) conflicting.add(name);
    found.set(name, previous ?? reading.value);
    bad.delete(name);
  }
  const problems: string[] = [];
  for (const [name, why] of bad) problems.push(`${name}: ${why}; give a whole number from 1 to 10.`);
  for (const name of conflicting) {
    found.delete(name);
    problems.push(`${name} was scored more than once with different values; give it exactly one score.`);
  }
  const warnings = unknown.size > 0 ? [`Ignored scores for dimensions that were not asked for: ${[...unknown].join(", ")}.`] : [];
  const scores: Record<string, number> = {};
  for (const name of expected) if (found.has(name)) scores[name] = found.get(name)!;
  return { scores, problems, warnings };
}

const CITE = /<cite((?:\s+[A-Za-z_:-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))*)\s*>([\s\S]*?)<\/cite\s*>/gi;
const ATTRIBUTE = /([A-Za-z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g;

export function parseCitations(section: string): RawCitation[] {
  const citations: RawCitation[] = [];
  let previousEnd = 0;
  for (const m of section.matchAll(CITE)) {
    const attributes = new Map<string, string>();
    for (const a of m[1]!.matchAll(ATTRIBUTE)) attributes.set(a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? "");
    const before = section.slice(previousEnd, m.index);
    previousEnd = m.index + m[0].length;
    const number = /(\d+)\s*[.)]\s*$/.exec(before.slice(before.lastIndexOf("\n") + 1).replace(/[*`]/g, "").trimEnd() + " ");
    const claimedId = (attributes.get("id") ?? attributes.get("index") ?? "").trim();
    const digits = /\d+/.exec(claimedId);
    citations.push({
      index: number ? Number(number[1]) : citations.length + 1,
      claimedId,
      messageIndex: digits ? Number(digits[0]) : null,
      description: unescapeXml(attributes.get("description") ?? "").trim(),
      quote: m[2]!.trim(),
    });
  }
  return citations;
}

function mentions(text: string, name: string): boolean {
  return new RegExp(`(^|[^a-z0-9_])${name}($|[^a-z0-9_])`, "i").test(text) || text.toLowerCase().includes(name.replace(/_/g, " "));
}

export function parseJudgeReply(text: string, expected: readonly string[]): ParsedJudgeReply {
  const problems: string[] = [];
  const warnings: string[] = [];
  const scoresSection = extractSection(text, "scores");
  const reading = scoresSection !== null ? readScores(scoresSection, expected, false) : readScores(text, expected, true);
  const scored = Object.keys(reading.scores).length;
  if (scoresSection === null && scored > 0) warnings.push("There was no <scores> section; the scores were read from lines of the form name: N/10.");
  if (scored === 0 && reading.problems.length === 0) {
    problems.push(
      scoresSection === null
        ? "The answer has no <scores> section. Put one line per dimension, `N. name: S/10`, inside <scores>…</scores>."
        : "The <scores> section holds no readable score lines. Write one line per dimension, `N. name: S/10`.",
    );
  }
  problems.push(...reading.problems);
  warnings.push(...reading.warnings);
  const missing = expected.filter((name) => !(name in reading.scores));
  if (missing.length > 0 && (scored > 0 || reading.problems.length > 0)) {
    problems.push(`No valid score for ${missing.length === 1 ? "this dimension" : `these ${missing.length} dimensions`}: ${missing.join(", ")}.`);
  }

  const summary = extractSection(text, "summary");
  if (!summary) warnings.push("The <summary> section is missing or empty.");
  const justification = extractSection(text, "justification");
  const unjustified = Object.entries(reading.scores).filter(([name, score]) => score > 1 && !(justification && mentions(justification, name)));
  if (unjustified.length > 0) warnings.push(`No justification for these scores above 1: ${unjustified.map(([n, s]) => `${n} (${s})`).join(", ")}.`);

  const highlights = extractSection(text, "highlights");
  if (highlights === null) warnings.push("The <highlights> section is missing.");
  const citations = parseCitations(highlights ?? "");
  if (highlights !== null && citations.length === 0) warnings.push('The <highlights> section has no <cite id="N" description="…">quote</cite> entries.');

  return { scores: reading.scores, missing, problems, warnings, summary: summary || null, justification: justification || null, citations };
}
