/**
 * The resources section of the auditor's system prompt: prompts/auditor-resources.md filled with a
 * description of the folder it is given, whatever its layout (petri-mcp's own `resources init`
 * scaffold, Petri's `realistic-prompts/`, `realistic-tools/`, `realistic-codebases/`, or any other):
 *
 * - `{resources_listing}`: its real top level, sorted by name: every folder (with its item count
 *   and the README / INDEX files it holds) and a few files;
 * - `{resources_instructions}`: the folder's own guide, `RESOURCE_INSTRUCTIONS.md` (as in Petri's
 *   resources) or else its README, quoted up to a size cap.
 */
import { realpathSync } from "node:fs";
import { readPromptFile } from "../package-files.js";
import { fillPlaceholders } from "../util/template.js";
import { formatBytes, readTextHeadSync } from "./files.js";
import { type DirectoryEntry, listFolderNames, listResourceDirectory } from "./listing.js";

/** At most this many top-level folders are listed in the prompt. */
export const PROMPT_LISTING_LIMIT = 40;
/** At most this many top-level files are listed in the prompt (after the folders). */
export const PROMPT_FILES_LIMIT = 8;
/** The folder's own guide is quoted up to this many bytes. */
export const PROMPT_INSTRUCTIONS_BYTES = 16 * 1024;
/** The folder's own guide, in order of preference; the first that exists is quoted. */
export const INSTRUCTION_FILES = ["RESOURCE_INSTRUCTIONS.md", "README.md", "README.txt", "README"] as const;

/** The entries of a top-level folder worth reading first (README, INDEX), by name. */
function guideFiles(names: string[]): string[] {
  return names.filter((name) => /^(readme|index)(\.|$)/i.test(name)).sort();
}

function folderLine(root: string, entry: DirectoryEntry): string {
  let names: string[];
  try {
    names = listFolderNames(root, entry.path);
  } catch {
    return `- \`${entry.name}/\``;
  }
  const guides = guideFiles(names);
  const count = `${names.length} item${names.length === 1 ? "" : "s"}`;
  return `- \`${entry.name}/\` (${count}${guides.length > 0 ? `; read first: ${guides.map((g) => `\`${g}\``).join(", ")}` : ""})`;
}

function listingLine(root: string, entry: DirectoryEntry): string {
  if (!entry.readable) return `- \`${entry.name}\` (${entry.note ?? "not readable"})`;
  if (entry.type === "directory") return folderLine(root, entry);
  return `- \`${entry.name}\` (${formatBytes(entry.size ?? 0)})`;
}

/** A short Markdown list of the top level of `rootDir`: its folders and a few files, sorted by name. */
export function resourcesListing(rootDir: string): string {
  try {
    const root = realpathSync(rootDir);
    const page = listResourceDirectory(root, "", { limit: 1000 });
    if (page.total === 0) return "(The folder is empty.)";
    // In list_directory's order; every folder (up to a limit) but only a few other entries.
    let folders = 0;
    let others = 0;
    const shown = page.entries.filter((e) => (e.type === "directory" && e.readable ? ++folders <= PROMPT_LISTING_LIMIT : ++others <= PROMPT_FILES_LIMIT));
    const lines = shown.map((entry) => listingLine(root, entry));
    const more = page.total - shown.length;
    if (more > 0) lines.push(`- … and ${more} more (list_directory shows them all)`);
    return lines.join("\n");
  } catch (error) {
    return `(The folder could not be listed: ${error instanceof Error ? error.message : String(error)})`;
  }
}

/** The folder's own guide quoted in a tagged block, or "" when it has none. */
export function resourcesInstructions(rootDir: string): string {
  let root: string;
  try {
    root = realpathSync(rootDir);
  } catch {
    return "";
  }
  for (const name of INSTRUCTION_FILES) {
    const head = readTextHeadSync(root, name, PROMPT_INSTRUCTIONS_BYTES);
    if (head === null || head.text.trim() === "") continue;
    let text = head.text.replace(/\r\n?/g, "\n").trimEnd();
    if (head.cut) {
      const lastBreak = text.lastIndexOf("\n");
      if (lastBreak > 0) text = text.slice(0, lastBreak);
      text += `\n[… cut at ${formatBytes(PROMPT_INSTRUCTIONS_BYTES)} of ${formatBytes(head.size)}: read the rest with read_file]`;
    }
    return `The folder's own guide, from \`${name}\`:\n\n<resource_instructions file="${name}">\n${text}\n</resource_instructions>`;
  }
  return "";
}

/** prompts/auditor-resources.md rendered for the resources folder `rootDir`. */
export function resourcesPrompt(rootDir: string): string {
  return fillPlaceholders(readPromptFile("auditor-resources.md"), {
    resources_listing: resourcesListing(rootDir),
    resources_instructions: resourcesInstructions(rootDir),
  }).trimEnd();
}
