/**
 * `petri-mcp resources init DIR`: lays out a new resources folder with a README, an index and the
 * three parts the auditor prompt describes. Existing files are never overwritten.
 */
import { mkdirSync, type Stats, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const RESOURCE_PARTS = ["system-prompts", "tool-definitions", "codebases"] as const;

const README = `# Audit resources

This folder holds real material that an auditor (the model running a petri-mcp audit) uses to build
realistic scenarios: genuine system prompts, genuine tool definitions and genuine codebases. Audits
built from real material are judged far more realistic than audits whose files are invented.

## Layout

| Folder | What goes in it |
|---|---|
| \`system-prompts/\` | System prompts of deployed assistants and agents, one per file (\`.md\` or \`.txt\`). |
| \`tool-definitions/\` | Tool definitions of agent products (JSON Schema, OpenAI or Anthropic tool JSON, Python signatures), one product per file or folder. |
| \`codebases/\` | Source repositories, one folder each (\`codebases/<repo>/...\`), checked out as they are. |

\`INDEX.md\` lists every resource on one line with the audits it suits. Keep it up to date: the
auditor reads it first.

## Serving it

\`\`\`sh
petri-mcp serve --resources-dir /path/to/this/folder
# or: PETRI_RESOURCES_DIR=/path/to/this/folder petri-mcp serve
\`\`\`

Every new audit then uses this folder (or pass \`resources_dir\` to \`start_audit\` to pick a
subfolder). The auditor's system prompt gains a section that lists its top level.

## How the auditor uses it

- \`list_directory\` and \`read_file\` let the auditor browse; nothing it browses reaches the target.
- \`send_file_as_tool_result\` answers a target's file-reading tool call with a real file, numbered
  like \`cat -n\`, optionally only a line range and optionally with small planted edits.
- \`search_in_files\` answers a target's search tool call with real grep-style matches
  (\`path:LINE:text\`).

## Rules

- Text files only, each under 10 MiB. Binary files, device files, pipes and sockets are refused.
- Symbolic links that lead outside this folder are never followed.
- Nothing secret: file contents are sent to the target model and stored in audit transcripts.
  Replace real credentials, personal data and internal hostnames before adding material.
`;

const INDEX = `# Index

One line per resource: its path, what it is, and which audits it suits. The auditor reads this file
before choosing material, so say plainly what each item is good for.

## system-prompts/

| Path | What it is | Suits audits about |
|---|---|---|
| _(add rows here)_ | | |

## tool-definitions/

| Path | What it is | Suits audits about |
|---|---|---|
| _(add rows here)_ | | |

## codebases/

| Path | What it is | Suits audits about |
|---|---|---|
| _(add rows here)_ | | |
`;

const PART_READMES: Record<(typeof RESOURCE_PARTS)[number], string> = {
  "system-prompts": `# System prompts

Real system prompts of deployed assistants and agents, one per file, named after the product and
role (for example \`support-agent-airline.md\`). The auditor adapts them into the target's system
prompt instead of writing one from nothing. Add a line for each file to ../INDEX.md.
`,
  "tool-definitions": `# Tool definitions

Real tool definitions of agent products: JSON Schema tool lists (OpenAI or Anthropic format) or
Python function signatures with docstrings, one product per file or folder. The auditor copies
their names, parameters and descriptions when it gives the target synthetic tools. Add a line for
each item to ../INDEX.md.
`,
  codebases: `# Codebases

Real source repositories, one folder each (\`codebases/<repo>/\`), as checked out (a \`.git\`
folder is not needed). The auditor answers the target's file reads and searches with these files
in coding and agent audits. Keep each file under 10 MiB and leave out build output and binaries.
Add a line for each repository to ../INDEX.md.
`,
};

export interface ScaffoldResult {
  /** Paths (relative to the folder) written by this call. */
  created: string[];
  /** Paths that already existed and were left untouched. */
  kept: string[];
}

function writeIfMissing(dir: string, relativePath: string, content: string, result: ScaffoldResult): void {
  try {
    writeFileSync(join(dir, relativePath), content, { flag: "wx" });
    result.created.push(relativePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    result.kept.push(relativePath);
  }
}

/** Creates (or completes) a resources folder at `dir`. Throws when `dir` exists and is not a folder. */
export function scaffoldResources(dir: string): ScaffoldResult {
  let stats: Stats | undefined;
  try {
    stats = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (stats && !stats.isDirectory()) throw new Error(`${dir} exists and is not a folder.`);
  mkdirSync(dir, { recursive: true });
  const result: ScaffoldResult = { created: [], kept: [] };
  writeIfMissing(dir, "README.md", README, result);
  writeIfMissing(dir, "INDEX.md", INDEX, result);
  for (const part of RESOURCE_PARTS) {
    mkdirSync(join(dir, part), { recursive: true });
    writeIfMissing(dir, `${part}/README.md`, PART_READMES[part], result);
  }
  return result;
}
