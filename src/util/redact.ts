/**
 * Removing credentials from text before it is logged, stored or shown: configured secrets (whole,
 * or any fragment of FRAGMENT_CHARS or more, so a key cut short by clipping cannot leak either),
 * the user:password part of URLs, and things shaped like API keys or bearer tokens.
 *
 * Secrets are the values of environment variables named `*_API_KEY`, `*_TOKEN`, `*_PASSWORD`,
 * `*_SECRET*` or `*_BEARER_TOKEN*` (AWS_BEARER_TOKEN_BEDROCK), the password inside any `*_URL`
 * variable, values passed by the caller (the key of a model call), and values registered with
 * `registerSecret` (a generated bearer token).
 * Work is linear in the text: one map lookup per character, plus the length of each match.
 */

/** The shortest piece of a secret that is removed wherever it appears. */
export const FRAGMENT_CHARS = 8;
/**
 * Shorter values are never scrubbed: replacing "abc" everywhere would garble every message. A value
 * from the environment must be a little longer, as any variable may match the names.
 */
const MIN_SECRET_CHARS = 4;
const MIN_ENV_SECRET_CHARS = 6;
const REDACTED = "[redacted]";

const SECRET_NAME = /(_API_KEY|_TOKEN|_PASSWORD)$|_SECRET|_BEARER_TOKEN/i;
const URL_NAME = /_URL$/i;

const registered = new Set<string>();

/** Adds a secret that is not in the environment (e.g. a generated token) to every later scrub. */
export function registerSecret(value: string): void {
  if (value.length >= MIN_SECRET_CHARS) registered.add(value);
}

/** The password inside a URL, as written and decoded (the user name is not secret). */
function urlPassword(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  return url.password === "" ? [] : [url.password, safeDecode(url.password)];
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The secrets configured in `env` and registered at run time. */
export function configuredSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set(registered);
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (SECRET_NAME.test(name)) found.add(value);
    else if (URL_NAME.test(name) && value.includes("@")) for (const part of urlPassword(value)) found.add(part);
  }
  return [...found].filter((s) => s.length >= MIN_ENV_SECRET_CHARS);
}

/**
 * A piece that is a plain word (letters of one case, maybe with - _ .) is not looked for on its
 * own: placeholder keys such as `sk-no-key-required` or `test-anthropic-key` would otherwise blank
 * "required" or "Anthropic" in every message. Such a piece is still removed when it touches a
 * piece that is looked for (matches grow both ways), and the whole key is always removed.
 */
const WORD_LIKE = /^(?:[a-z._-]+|[A-Z._-]+)$/;

/** Every FRAGMENT_CHARS-long window of the secrets (plain words aside), with where it occurs. */
type FragmentIndex = Map<string, Array<{ secret: string; offset: number }>>;

let cached: { key: string; index: FragmentIndex } | undefined;

function fragmentIndex(secrets: readonly string[]): FragmentIndex {
  const key = secrets.join("\u0000");
  if (cached?.key === key) return cached.index;
  const index: FragmentIndex = new Map();
  for (const secret of secrets) {
    for (let offset = 0; offset + FRAGMENT_CHARS <= secret.length; offset++) {
      const window = secret.slice(offset, offset + FRAGMENT_CHARS);
      if (WORD_LIKE.test(window)) continue;
      const places = index.get(window) ?? [];
      places.push({ secret, offset });
      index.set(window, places);
    }
  }
  cached = { key, index };
  return index;
}

/** Replaces every run of FRAGMENT_CHARS or more characters that also occurs in a secret. */
function redactFragments(text: string, secrets: readonly string[]): string {
  const index = fragmentIndex(secrets.filter((s) => s.length >= FRAGMENT_CHARS));
  if (index.size === 0) return text;
  let out = "";
  let copied = 0;
  let i = 0;
  while (i + FRAGMENT_CHARS <= text.length) {
    const places = index.get(text.slice(i, i + FRAGMENT_CHARS));
    if (!places) {
      i++;
      continue;
    }
    // The longest piece of a secret around this window, grown both ways.
    let start = i;
    let end = i + FRAGMENT_CHARS;
    for (const { secret, offset } of places) {
      let before = 0;
      while (i - before > copied && offset - before > 0 && text[i - before - 1] === secret[offset - before - 1]) before++;
      let length = FRAGMENT_CHARS;
      while (i + length < text.length && offset + length < secret.length && text[i + length] === secret[offset + length]) length++;
      start = Math.min(start, i - before);
      end = Math.max(end, i + length);
    }
    out += text.slice(copied, start) + REDACTED;
    copied = end;
    i = end;
  }
  return out + text.slice(copied);
}

/** `scheme://user:password@host` → `scheme://[redacted]@host` (bounded, so linear in the text). */
function redactUrlCredentials(text: string): string {
  return text.replace(/:\/\/[^\s/?#@]{1,256}@/g, `://${REDACTED}@`);
}

/** The text with every credential replaced by `[redacted]`; `extra` adds secrets for this call. */
export function redactSecrets(text: string, extra: readonly string[] = []): string {
  const secrets = [...new Set([...configuredSecrets(), ...extra.filter((s) => s.length >= MIN_SECRET_CHARS)])];
  let out = text;
  // Whole values first (also the short ones), then any remaining fragment of the longer ones.
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  out = redactFragments(out, secrets);
  return redactUrlCredentials(out)
    .replace(/\b(sk-[A-Za-z0-9_-]{8,})/g, REDACTED)
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`);
}
