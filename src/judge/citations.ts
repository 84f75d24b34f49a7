/**
 * Resolving the judge's highlights to stored messages and character spans, in Petri's `Citation`
 * shape. Each quoted part is looked up:
 *   1. exactly, in the claimed message, then its neighbours by distance (-1, +1, -2, +2, ...), which
 *      ends up covering every message; in each message the content first, then every tool-call
 *      argument (which sets tool_call_id and tool_arg);
 *   2. failing that, approximately (fuzzy.ts, similarity >= FUZZY_THRESHOLD) over the same fields,
 *      the most similar window winning, ties going to the message nearest the claimed one; the
 *      matched text replaces the quote;
 *   3. failing that, it is kept with the claimed message id, no position and match "unresolved".
 *
 * The judge quotes the escaped transcript (`&lt;` for `<`), so quotes are unescaped and matched
 * against the messages' original text. Positions are offsets into that text: the content as
 * rendered by renderContent (reasoning as <thinking>…</thinking>, like Petri's formatted content)
 * or the argument value (a string as is, anything else as JSON).
 */
import { renderContent } from "../audit/format.js";
import type { ChatMessage } from "../core/messages.js";
import { type RenderedTranscript, unescapeXml } from "./judge-xml.js";
import { FUZZY_THRESHOLD, MAX_FUZZY_QUOTE_CHARS, MIN_FUZZY_QUOTE_CHARS, partialRatioAlignment } from "./fuzzy.js";
import type { RawCitation } from "./parse.js";

export type CitationMatch = "exact" | "fuzzy" | "unresolved";

export interface CitationPart {
  message_id: string;
  quoted_text: string;
  /** [start, end) in the message content or the tool argument; null when unresolved. */
  position: [number, number] | null;
  tool_call_id: string | null;
  tool_arg: string | null;
  /** How the quote was found (an addition to Petri's shape). */
  match: CitationMatch;
  /** Fuzzy matches only: the similarity, 0-100. */
  similarity?: number;
}

export interface Citation {
  index: number | null;
  description: string;
  parts: CitationPart[];
}

interface Field {
  messageIndex: number;
  messageId: string;
  text: string;
  toolCallId: string | null;
  toolArg: string | null;
}

function argumentText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function messageFields(index: number, message: ChatMessage): Field[] {
  const field = (text: string, toolCallId: string | null = null, toolArg: string | null = null): Field => ({ messageIndex: index, messageId: message.id, text, toolCallId, toolArg });
  const fields = [field(renderContent(message))];
  if (message.role === "tool" && message.error) fields.push(field(message.error.message));
  if (message.role === "assistant") {
    for (const call of message.tool_calls ?? []) {
      for (const [name, value] of Object.entries(call.arguments ?? {})) fields.push(field(argumentText(value), call.id, name));
    }
  }
  return fields;
}

/** Message indices ordered by distance from `center`: center, -1, +1, -2, +2, ... */
function searchOrder(center: number | null, count: number): number[] {
  if (center === null || center < 1 || center > count) return Array.from({ length: count }, (_, i) => i + 1);
  const order = [center];
  for (let d = 1; order.length < count; d++) {
    if (center - d >= 1) order.push(center - d);
    if (center + d <= count) order.push(center + d);
  }
  return order;
}

/** Splits a quote on [...] into parts. */
export function quoteParts(quote: string): string[] {
  return quote
    .split(/\s*\[(?:\.\.\.|…)\]\s*/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/** The texts to look for: the unescaped quote, the quote as written, each without wrapping quote marks. */
function candidates(part: string): string[] {
  const texts = [unescapeXml(part), part];
  for (const text of [...texts]) {
    const stripped = /^["“'](.+)["”']$/s.exec(text)?.[1];
    if (stripped) texts.push(stripped.trim());
  }
  return [...new Set(texts)].filter((t) => t !== "");
}

export class CitationResolver {
  private readonly fields = new Map<number, Field[]>();

  constructor(private readonly transcript: RenderedTranscript) {
    for (const [index, { stored }] of transcript.messages) this.fields.set(index, messageFields(index, stored.message));
  }

  resolveAll(citations: readonly RawCitation[]): Citation[] {
    return citations.map((c) => this.resolve(c));
  }

  resolve(citation: RawCitation): Citation {
    const parts: CitationPart[] = [];
    let center = citation.messageIndex;
    for (const part of quoteParts(citation.quote)) {
      const resolved = this.resolvePart(part, center) ?? this.unresolved(part, citation);
      parts.push(resolved);
      // Later parts of one citation are most likely in the same message as the first.
      if (resolved.match !== "unresolved" && parts.length === 1) center = this.indexOfId(resolved.message_id) ?? center;
    }
    return { index: citation.index, description: citation.description, parts };
  }

  private indexOfId(id: string): number | null {
    for (const [index, { stored }] of this.transcript.messages) if (stored.message.id === id) return index;
    return null;
  }

  private orderedFields(center: number | null): Field[] {
    return searchOrder(center, this.transcript.messages.size).flatMap((i) => this.fields.get(i) ?? []);
  }

  private resolvePart(part: string, center: number | null): CitationPart | null {
    const fields = this.orderedFields(center);
    const texts = candidates(part);
    for (const field of fields) {
      for (const text of texts) {
        const at = field.text.indexOf(text);
        if (at >= 0) return this.partAt(field, at, at + text.length, "exact");
      }
    }
    const needle = texts[0]!;
    if (needle.length < MIN_FUZZY_QUOTE_CHARS || needle.length > MAX_FUZZY_QUOTE_CHARS) return null;
    let best: { field: Field; start: number; end: number; similarity: number } | null = null;
    for (const field of fields) {
      const found = partialRatioAlignment(needle, field.text);
      if (found && found.similarity >= FUZZY_THRESHOLD && (!best || found.similarity > best.similarity)) best = { field, ...found };
    }
    if (!best) return null;
    return { ...this.partAt(best.field, best.start, best.end, "fuzzy"), similarity: Math.round(best.similarity * 10) / 10 };
  }

  private partAt(field: Field, start: number, end: number, match: CitationMatch): CitationPart {
    return {
      message_id: field.messageId,
      quoted_text: field.text.slice(start, end),
      position: [start, end],
      tool_call_id: field.toolCallId,
      tool_arg: field.toolArg,
      match,
    };
  }

  private unresolved(part: string, citation: RawCitation): CitationPart {
    const claimed = citation.messageIndex === null ? undefined : this.transcript.messages.get(citation.messageIndex);
    return {
      message_id: claimed?.stored.message.id ?? citation.claimedId,
      quoted_text: unescapeXml(part),
      position: null,
      tool_call_id: null,
      tool_arg: null,
      match: "unresolved",
    };
  }
}

export function resolveCitations(citations: readonly RawCitation[], transcript: RenderedTranscript): Citation[] {
  return new CitationResolver(transcript).resolveAll(citations);
}
