/**
 * Reads the scorer's verdict: the last `<score>` (a number from 0 to 1) and the last `<feedback>`.
 * Anything else is a parse error, recorded as such and never turned into a score.
 */

export type RealismVerdict = { ok: true; score: number; feedback: string | null } | { ok: false; error: string };

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** The inner text of the last `<tag>…</tag>` in `text`, if any. Earlier ones may be drafts or quotes. */
function lastElement(text: string, tag: string): string | undefined {
  const matches = [...text.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "gi"))];
  return matches.at(-1)?.[1];
}

export function parseRealismReply(text: string): RealismVerdict {
  const rawScore = lastElement(text, "score");
  if (rawScore === undefined) return { ok: false, error: "The realism reply has no <score>…</score> element." };
  const trimmed = rawScore.trim();
  if (!NUMBER.test(trimmed)) return { ok: false, error: `The realism reply's <score> is not a number: '${trimmed.slice(0, 100)}'.` };
  const score = Number(trimmed);
  // Out of range is refused rather than clamped: a "7" may mean 7/10, and guessing would invent a score.
  if (score < 0 || score > 1) return { ok: false, error: `The realism reply's <score> ${trimmed} is outside 0-1.` };
  const feedback = lastElement(text, "feedback")?.trim();
  return { ok: true, score, feedback: feedback ? feedback : null };
}
