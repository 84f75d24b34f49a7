/**
 * Exact-string edits applied to a file before it is sent to the target, so the auditor can plant a
 * detail in a real file. Each `old` must occur exactly once at the time it is applied.
 */
import { AuditError } from "../audit/errors.js";
import { showPath } from "./sandbox.js";

export interface FileEdit {
  old: string;
  new: string;
}

/** How many times `needle` occurs in `text`, overlapping occurrences included. */
export function countOccurrences(text: string, needle: string): number {
  if (needle === "") return 0;
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) count++;
  return count;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** Applies the edits in order (each to the result of the previous ones); `new` is inserted literally. */
export function applyEdits(text: string, edits: readonly FileEdit[], path: string): string {
  let result = text;
  edits.forEach((edit, i) => {
    const which = `Edit ${i + 1} of ${edits.length} (old ${preview(edit.old)})`;
    if (edit.old === "") throw new AuditError("invalid", `${which} has an empty old string. Give the exact text to replace.`);
    const count = countOccurrences(result, edit.old);
    if (count === 0) {
      throw new AuditError(
        "invalid",
        `${which} matches 0 times in ${showPath(path)}${i > 0 ? " (after the earlier edits)" : ""}. Copy the text exactly from read_file, whitespace and line breaks included, without the line-number prefixes. Nothing was sent.`,
      );
    }
    if (count > 1) {
      throw new AuditError("invalid", `${which} matches ${count} times in ${showPath(path)}; it must match exactly once. Include more surrounding text to make it unique. Nothing was sent.`);
    }
    const at = result.indexOf(edit.old);
    result = result.slice(0, at) + edit.new + result.slice(at + edit.old.length);
  });
  return result;
}
