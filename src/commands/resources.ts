/** `petri-mcp resources init DIR`: scaffold a resources folder for the resource tools. */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { scaffoldResources } from "../resources/scaffold.js";
import type { CommandIO } from "./io.js";

const USAGE = `Usage: petri-mcp resources init DIR

Create a resources folder at DIR (or complete an existing one) for the auditor's resource tools:
  README.md            what the folder is for and how the auditor uses it
  INDEX.md             one line per resource and the audits it suits
  system-prompts/      real system prompts
  tool-definitions/    real tool definitions
  codebases/           real source repositories
Existing files are never overwritten. Then serve it:
  petri-mcp serve --resources-dir DIR

  --help, -h   this help`;

export async function runResourcesCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [action, dir, ...extra] = positionals;
  if (action !== "init" || dir === undefined || extra.length > 0) {
    io.stderr(`petri-mcp resources: expected \`resources init DIR\`.\n\n${USAGE}`);
    return 2;
  }
  const target = resolve(dir);
  let result;
  try {
    result = scaffoldResources(target);
  } catch (error) {
    io.stderr(`petri-mcp resources: cannot create ${target}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const lines = [
    `Resources folder ready at ${target}`,
    ...result.created.map((p) => `  created  ${p}`),
    ...result.kept.map((p) => `  kept     ${p} (already there)`),
    "",
    "Add material to system-prompts/, tool-definitions/ and codebases/, list it in INDEX.md, then serve it:",
    `  petri-mcp serve --resources-dir ${JSON.stringify(target)}`,
  ];
  io.stdout(lines.join("\n"));
  return 0;
}
