/**
 * The one placeholder filler for every prompt template (auditor, judge, realism, resources).
 *
 * Unlike Python's str.format (which Petri uses), only the names given are replaced and braces are
 * otherwise literal: JSON examples in a prompt need no doubling, and an unknown `{name}` is left
 * as it is. Filling is a single pass, so a value that itself contains `{seed_instructions}` is
 * never expanded again. `{{name}}` around a known name yields the literal text `{name}`.
 *
 * A placeholder that is a paragraph of its own (alone on its line, a blank line or the end of the
 * text after it) and whose value is empty takes its line and that blank line along: optional
 * sections (resources, a previous rejection) leave no gap when absent.
 */

const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const LINE_PLACEHOLDER = /^[ \t]*\{([A-Za-z_][A-Za-z0-9_]*)\}[ \t]*(?:\r?\n[ \t]*\r?\n|$(?![\s\S]))/gm;

export function fillPlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  const text = template.replace(LINE_PLACEHOLDER, (line, name: string) => (Object.hasOwn(values, name) && values[name] === "" ? "" : line));
  return text.replace(PLACEHOLDER, (match, escaped: string | undefined, name: string | undefined) => {
    if (escaped !== undefined) return Object.hasOwn(values, escaped) ? `{${escaped}}` : match;
    const key = name as string;
    return Object.hasOwn(values, key) ? (values[key] as string) : match;
  });
}

/** The distinct `{name}` placeholders a text still contains, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) found.add(m[1] as string);
  return [...found];
}
