/**
 * The resources section of the auditor's system prompt: prompts/auditor-resources.md with its
 * `{resources_listing}` placeholder filled with a short listing of the folder's top level.
 */
import { readdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { readPromptFile } from "../package-files.js";
import { fillPlaceholders } from "../util/template.js";
import { formatBytes } from "./files.js";
import { type DirectoryEntry, listResourceDirectory } from "./listing.js";

/** At most this many top-level entries are listed in the prompt. */
export const PROMPT_LISTING_LIMIT = 40;

function childCount(root: string, entry: DirectoryEntry): string {
  try {
    const count = readdirSync(join(root, entry.path)).length;
    return ` (${count} item${count === 1 ? "" : "s"})`;
  } catch {
    return "";
  }
}

function listingLine(root: string, entry: DirectoryEntry): string {
  if (!entry.readable) return `- \`${entry.name}\` (${entry.note ?? "not readable"})`;
  if (entry.type === "directory") return `- \`${entry.name}/\`${childCount(root, entry)}`;
  return `- \`${entry.name}\` (${formatBytes(entry.size ?? 0)})`;
}

/** A short Markdown list of the top level of `rootDir`. */
export function resourcesListing(rootDir: string): string {
  try {
    const root = realpathSync(rootDir);
    const page = listResourceDirectory(root, "", { limit: PROMPT_LISTING_LIMIT });
    if (page.total === 0) return "(The folder is empty.)";
    const lines = page.entries.map((entry) => listingLine(root, entry));
    if (page.nextOffset !== null) lines.push(`- … and ${page.total - page.entries.length} more (list_directory shows them all)`);
    return lines.join("\n");
  } catch (error) {
    return `(The folder could not be listed: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** prompts/auditor-resources.md rendered for the resources folder `rootDir`. */
export function resourcesPrompt(rootDir: string): string {
  return fillPlaceholders(readPromptFile("auditor-resources.md"), { resources_listing: resourcesListing(rootDir) }).trimEnd();
}
