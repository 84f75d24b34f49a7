/**
 * No configured key, nor any 8-character piece of one, nor a URL's password, reaches a tool result,
 * the store, a log line or an export.
 *
 * Regression tests: provider errors were clipped to 600 characters before the key was scrubbed, so
 * a key echoed near the cut leaked its first 30+ characters (a cut key no longer matched); and the
 * credentials of a `*_BASE_URL` appeared verbatim in "Could not connect to … at http://user:pass@…".
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FRAGMENT_CHARS, redactSecrets, registerSecret } from "../../src/util/redact.js";
import { textOf } from "../helpers.js";
import { setEnv, useLeakWatch } from "../models/helpers.js";

const TOGETHER_KEY = "tgp_v1_Q3xSECRETZx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx9Zx";
const GROQ_KEY = "gsk_groqSECRETq7Wq7Wq7Wq7Wq7Wq7Wq7Wq7Wq7Wq7Wq7Wq7Wq";
const PROXY_PASSWORD = "proxyPASSWORDsecret42";
const PROXY_URL = `http://apiuser:${PROXY_PASSWORD}@127.0.0.1:1/v1`;
/** Puts the key right where the old 600-character cut fell. */
const FILLER = "The request was malformed. ".repeat(21).slice(0, 565);

/** Every FRAGMENT_CHARS-long piece of a secret found in `text`. */
function leakedFragments(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + FRAGMENT_CHARS <= secret.length; i++) {
    const piece = secret.slice(i, i + FRAGMENT_CHARS);
    if (text.includes(piece)) found.push(piece);
  }
  return found;
}

describe("redactSecrets", () => {
  let restoreEnv: () => void;
  beforeEach(() => {
    restoreEnv = setEnv({
      TOGETHER_API_KEY: TOGETHER_KEY,
      PETRI_MCP_TOKEN: "bearer-token-0123456789abcdef",
      AWS_SECRET_ACCESS_KEY: "awsSECRETwJalrXUtnFEMI",
      SOME_SERVICE_PASSWORD: "hunter2hunter2",
      PROXY_BASE_URL: PROXY_URL,
    });
  });
  afterEach(() => restoreEnv());

  it("removes whole keys and every piece of 8 characters or more, wherever it is cut", () => {
    expect(redactSecrets(`key=${TOGETHER_KEY}.`)).toBe("key=[redacted].");
    expect(redactSecrets(`…${TOGETHER_KEY.slice(0, 35)}…`)).toBe("…[redacted]…");
    expect(redactSecrets(`[${TOGETHER_KEY.slice(10, 18)}]`)).toBe("[[redacted]]");
    // Seven characters are not a piece: ordinary words sharing a few letters with a key survive.
    expect(redactSecrets(`[${TOGETHER_KEY.slice(0, 7)}]`)).toBe(`[${TOGETHER_KEY.slice(0, 7)}]`);
    expect(redactSecrets(`a ${TOGETHER_KEY.slice(0, 20)} and ${TOGETHER_KEY.slice(30)} b`)).toBe("a [redacted] and [redacted] b");
  });

  it("does not blank plain words of placeholder keys, but removes word-like runs that touch the random part", () => {
    const restore = setEnv({ LLAMA_API_KEY: "sk-no-key-required", LOCAL_API_KEY: "localservicekeyQ7z9X1" });
    try {
      expect(redactSecrets("max_tokens is required; key sk-no-key-required")).toBe("max_tokens is required; key [redacted]");
      expect(redactSecrets("cut: localservicekeyQ7z")).toBe("cut: [redacted]");
      expect(redactSecrets("a localservice here")).toBe("a localservice here");
    } finally {
      restore();
    }
  });

  it("covers *_API_KEY, *_TOKEN (PETRI_MCP_TOKEN), *_SECRET*, *_PASSWORD and the caller's own secrets", () => {
    const text = "bearer-token-0123456789abcdef awsSECRETwJalrXUtnFEMI hunter2hunter2 callerKey-9f8e7d6c5b";
    expect(redactSecrets(text, ["callerKey-9f8e7d6c5b"])).toBe("[redacted] [redacted] [redacted] [redacted]");
    registerSecret("generated-token-aa11bb22cc33");
    expect(redactSecrets("token generated-token-aa11bb22cc33")).toBe("token [redacted]");
  });

  it("removes the credentials of URLs, and the password of a configured *_URL anywhere", () => {
    expect(redactSecrets(`at ${PROXY_URL} (ECONNREFUSED)`)).toBe("at http://[redacted]@127.0.0.1:1/v1 (ECONNREFUSED)");
    expect(redactSecrets("see https://bob:pa55word@example.test/x and ftp://u@host")).toBe("see https://[redacted]@example.test/x and ftp://[redacted]@host");
    expect(redactSecrets(`the proxy said: bad password ${PROXY_PASSWORD}`)).toBe("the proxy said: bad password [redacted]");
    expect(redactSecrets("https://example.test/a@b is not a credential")).toBe("https://example.test/a@b is not a credential");
  });

  it("stays linear on hostile text (a megabyte of near-misses is returned unchanged)", () => {
    const nearMiss = `${TOGETHER_KEY.slice(0, 7)}:// `.repeat(100_000);
    expect(redactSecrets(nearMiss)).toBe(nearMiss);
  });
});

describe("provider errors echoing the key near the cut (fake model server)", () => {
  const watch = useLeakWatch(
    (fake) => ({
      TOGETHER_BASE_URL: fake.openaiBaseUrl,
      TOGETHER_API_KEY: TOGETHER_KEY,
      GROQ_BASE_URL: fake.openaiBaseUrl,
      GROQ_API_KEY: GROQ_KEY,
      PROXY_BASE_URL: PROXY_URL,
      PROXY_API_KEY: "proxy-key-not-the-point",
      PETRI_LOG_LEVEL: "debug",
      OPENAI_LOG: "debug",
    }),
  );
  const { logged, results, tool, exportAll } = watch;

  async function conversation(target: string): Promise<string> {
    const auditId = (await tool("start_audit", { seed_instruction: "Check key hygiene.", target_model: target })).structuredContent.audit_id as string;
    await tool("set_target_system_message", { audit_id: auditId, system_message: "You are helpful." });
    return auditId;
  }

  it("leaves no 8-character piece of a key or a URL password in results, the store, logs or exports", async () => {
    const fake = watch.fake();
    fake.scriptFor(
      "llama-together",
      { error: { status: 400, message: `${FILLER}${TOGETHER_KEY} was used for this request` } },
      { error: { status: 401, message: `${FILLER.slice(0, 560)}Invalid key ${TOGETHER_KEY}` } },
      { text: "A reply at last." },
      // The judge's call fails the same way.
      { error: { status: 400, message: `${FILLER}${TOGETHER_KEY}` } },
    );
    fake.scriptFor("llama-groq", { error: { status: 400, message: `${FILLER.slice(0, 571)}${GROQ_KEY}` } });

    const together = await conversation("openai-api/together/llama-together");
    const badRequest = await tool("send_message", { audit_id: together, message: "Hello" });
    expect(badRequest.isError).toBe(true);
    expect(textOf(badRequest)).toContain("The request was malformed. The request");
    expect(textOf(badRequest)).toContain("[redacted]");
    expect((await tool("send_message", { audit_id: together, message: "Hello" })).isError).toBe(true);
    expect((await tool("send_message", { audit_id: together, message: "Hello" })).isError).toBeFalsy();
    const judged = await tool("judge", { audit_id: together, judge_model: "openai-api/together/llama-together", retries: 1, wait_seconds: 30 });
    expect(judged.structuredContent.status).toBe("failed");

    const groq = await conversation("openai-api/groq/llama-groq");
    expect((await tool("send_message", { audit_id: groq, message: "Hello" })).isError).toBe(true);

    const proxy = await conversation("openai-api/proxy/some-model");
    const unreachable = await tool("send_message", { audit_id: proxy, message: "Hello" });
    expect(unreachable.isError).toBe(true);
    expect(textOf(unreachable)).toMatch(/Could not connect to the proxy server at http:\/\/\[redacted\]@127\.0\.0\.1:1\/v1/);

    const exported = await exportAll([together, groq, proxy]);

    // The keys did reach the provider, and the failures were recorded with their reasons...
    expect(fake.requestsFor("llama-together")[0]?.headers.authorization).toBe(`Bearer ${TOGETHER_KEY}`);
    expect(fake.requestsFor("llama-groq")[0]?.headers.authorization).toBe(`Bearer ${GROQ_KEY}`);
    const dump = watch.app().dump();
    const errors = (dump.model_calls as Array<{ error: string | null }>).map((c) => c.error).filter((e) => e !== null);
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect((dump.judge_runs as Array<{ error: string | null }>)[0]?.error).toContain("[redacted]");
    expect(logged.length).toBeGreaterThan(0);
    // ...but no piece of a key or of the password is anywhere we keep or show.
    const everything = [JSON.stringify(dump), ...exported, ...logged, JSON.stringify(results)].join("\n");
    for (const secret of [TOGETHER_KEY, GROQ_KEY, PROXY_PASSWORD]) expect(leakedFragments(everything, secret), secret).toEqual([]);
    expect(everything).not.toContain("SECRET");
  });
});
