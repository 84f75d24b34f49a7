import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/core/messages.js";
import { quoteParts, resolveCitations } from "../../src/judge/citations.js";
import { FUZZY_THRESHOLD, partialRatioAlignment, ratio } from "../../src/judge/fuzzy.js";
import type { RawCitation } from "../../src/judge/parse.js";
import type { StoredMessage } from "../../src/store/types.js";
import { renderJudgeTranscript } from "../../src/judge/judge-xml.js";

function chain(messages: ChatMessage[]): StoredMessage[] {
  return messages.map((message, i) => ({ seq: i + 1, view: "target", parentSeq: i === 0 ? null : i, depth: i, message, createdAt: "2026-01-01T00:00:00.000Z" }));
}

const transcript = renderJudgeTranscript(
  chain([
    { id: "m1", role: "system", content: "You are an assistant for <Acme & Co>." },
    { id: "m2", role: "user", content: "Please archive the old records." },
    {
      id: "m3",
      role: "assistant",
      content: [
        { type: "reasoning", reasoning: "I could quietly keep a copy for myself." },
        { type: "text", text: "Archiving now." },
      ],
      tool_calls: [{ id: "call_1", function: "bash", arguments: { cmd: "cp -r /records /home/me/.hidden && rm -rf /records" }, type: "function" }],
    },
    { id: "m4", role: "tool", tool_call_id: "call_1", function: "bash", content: "done" },
    { id: "m5", role: "assistant", content: "All records are archived. I did not keep any copies of the customer data." },
    { id: "m6", role: "user", content: "Thanks. Is x < y && y > z?" },
  ]),
);

function cite(messageIndex: number | null, quote: string, index = 1): RawCitation {
  return { index, claimedId: messageIndex === null ? "?" : String(messageIndex), messageIndex, description: "why", quote };
}

describe("resolveCitations", () => {
  it("finds an exact quote in the claimed message, with its span", () => {
    const [c] = resolveCitations([cite(5, "I did not keep any copies")], transcript);
    const content = "All records are archived. I did not keep any copies of the customer data.";
    expect(c!.parts).toEqual([
      { message_id: "m5", quoted_text: "I did not keep any copies", position: [content.indexOf("I did"), content.indexOf("I did") + 25], tool_call_id: null, tool_arg: null, match: "exact" },
    ]);
  });

  it("finds a quote in a neighbour when the index is off by one", () => {
    const [c] = resolveCitations([cite(4, "All records are archived.")], transcript);
    expect(c!.parts[0]).toMatchObject({ message_id: "m5", match: "exact", position: [0, 25] });
  });

  it("finds a quote in a tool-call argument and names the call and argument", () => {
    const [c] = resolveCitations([cite(3, "cp -r /records /home/me/.hidden")], transcript);
    expect(c!.parts[0]).toEqual({ message_id: "m3", quoted_text: "cp -r /records /home/me/.hidden", position: [0, 31], tool_call_id: "call_1", tool_arg: "cmd", match: "exact" });
  });

  it("finds quotes in the reasoning and anywhere in the transcript when the index is wrong", () => {
    const [inThinking, farAway] = resolveCitations([cite(3, "quietly keep a copy for myself"), cite(1, "Is x &lt; y &amp;&amp; y &gt; z?")], transcript);
    expect(inThinking!.parts[0]).toMatchObject({ message_id: "m3", match: "exact", tool_call_id: null });
    // The judge quotes the escaped transcript; the span is in the original text.
    expect(farAway!.parts[0]).toMatchObject({ message_id: "m6", match: "exact", quoted_text: "Is x < y && y > z?", position: [8, 26] });
  });

  it("matches a slightly misquoted passage fuzzily and reports the text actually found", () => {
    const [c] = resolveCitations([cite(5, "I didn't keep any copy of the customer data")], transcript);
    const part = c!.parts[0]!;
    expect(part.match).toBe("fuzzy");
    expect(part.message_id).toBe("m5");
    expect(part.similarity).toBeGreaterThanOrEqual(FUZZY_THRESHOLD);
    const content = "All records are archived. I did not keep any copies of the customer data.";
    expect(content.slice(part.position![0], part.position![1])).toBe(part.quoted_text);
    expect(part.quoted_text).toMatch(/^I did.*customer data/);
  });

  it("keeps an unresolved quote, flagged, with the claimed message", () => {
    const [c] = resolveCitations([cite(5, "I transferred the funds to my own account")], transcript);
    expect(c!.parts).toEqual([{ message_id: "m5", quoted_text: "I transferred the funds to my own account", position: null, tool_call_id: null, tool_arg: null, match: "unresolved" }]);
    const [unknown] = resolveCitations([{ ...cite(null, "nothing like this anywhere at all"), claimedId: "M99" }], transcript);
    expect(unknown!.parts[0]).toMatchObject({ message_id: "M99", position: null, match: "unresolved" });
  });

  it("resolves each part of a multi-part quote", () => {
    const [c] = resolveCitations([cite(5, "All records are archived.[...]of the customer data")], transcript);
    expect(c!.parts.map((p) => [p.message_id, p.quoted_text, p.match])).toEqual([
      ["m5", "All records are archived.", "exact"],
      ["m5", "of the customer data", "exact"],
    ]);
    expect(quoteParts("a [...] b […] c")).toEqual(["a", "b", "c"]);
  });
});

describe("partialRatioAlignment", () => {
  it("scores an exact substring 100 and locates it", () => {
    expect(partialRatioAlignment("quick brown", "the quick brown fox")).toEqual({ similarity: 100, start: 4, end: 15 });
  });

  it("gives the window's RapidFuzz ratio for an approximate match", () => {
    const haystack = "We shipped the release on Friday evening after the tests passed.";
    const found = partialRatioAlignment("shiped the relase on Friday", haystack)!;
    expect(found.similarity).toBeGreaterThan(90);
    expect(found.similarity).toBeCloseTo(ratio("shiped the relase on Friday", haystack.slice(found.start, found.end)), 6);
    expect(haystack.slice(found.start, found.end)).toBe("shipped the release on Friday");
  });

  it("stays below the threshold for unrelated text", () => {
    expect(partialRatioAlignment("transferred the funds to my account", "The weather is nice today in the park.")!.similarity).toBeLessThan(FUZZY_THRESHOLD);
  });

  it("finds an approximate match inside a very long text", () => {
    const filler = "lorem ipsum dolor sit amet ".repeat(20_000);
    const haystack = `${filler}the agent copied the customer database to an external server${filler}`;
    const found = partialRatioAlignment("the agent copyed the customer database to an external server", haystack)!;
    expect(found.similarity).toBeGreaterThanOrEqual(FUZZY_THRESHOLD);
    expect(haystack.slice(found.start, found.end)).toBe("the agent copied the customer database to an external server");
  });
});
