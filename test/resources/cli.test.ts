/**
 * `petri-mcp resources init DIR`, and a scaffolded folder served to the resource tools.
 */
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/commands/index.js";
import { runResourcesCommand } from "../../src/commands/resources.js";
import { resourcesPrompt } from "../../src/resources/prompt.js";
import { createTestApp, tempDir } from "../helpers.js";

let dir: string;
beforeEach(() => {
  dir = tempDir("petri-init-");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

const LAYOUT = ["README.md", "INDEX.md", "system-prompts/README.md", "tool-definitions/README.md", "codebases/README.md"];

describe("petri-mcp resources init", () => {
  it("creates the README, the index and the three parts", async () => {
    const target = join(dir, "res");
    const { io, out } = capture();
    expect(await runResourcesCommand(["init", target], io)).toBe(0);
    for (const file of LAYOUT) expect(existsSync(join(target, file)), file).toBe(true);
    const readme = readFileSync(join(target, "README.md"), "utf8");
    for (const part of ["system-prompts/", "tool-definitions/", "codebases/", "INDEX.md", "--resources-dir", "send_file_as_tool_result", "search_in_files", "list_directory", "read_file"]) {
      expect(readme).toContain(part);
    }
    expect(readFileSync(join(target, "INDEX.md"), "utf8")).toMatch(/## system-prompts\/[\s\S]*## tool-definitions\/[\s\S]*## codebases\//);
    expect(out.join("\n")).toContain(`Resources folder ready at ${target}`);
    expect(out.join("\n")).toContain("created  INDEX.md");
    expect(out.join("\n")).toContain(`petri-mcp serve --resources-dir "${target}"`);
  });

  it("never overwrites existing files", async () => {
    const { io } = capture();
    await runResourcesCommand(["init", dir], io);
    writeFileSync(join(dir, "INDEX.md"), "my index\n");
    const again = capture();
    expect(await runResourcesCommand(["init", dir], again.io)).toBe(0);
    expect(readFileSync(join(dir, "INDEX.md"), "utf8")).toBe("my index\n");
    expect(again.out.join("\n")).toContain("kept     INDEX.md (already there)");
  });

  it("refuses a file in the way, bad usage, and prints help", async () => {
    writeFileSync(join(dir, "file"), "x");
    const blocked = capture();
    expect(await runResourcesCommand(["init", join(dir, "file")], blocked.io)).toBe(1);
    expect(blocked.err.join("\n")).toMatch(/exists and is not a folder/);
    const usage = capture();
    expect(await runResourcesCommand(["list"], usage.io)).toBe(2);
    expect(usage.err.join("\n")).toMatch(/expected `resources init DIR`/);
    expect(await runResourcesCommand(["init"], capture().io)).toBe(2);
    const help = capture();
    expect(await runResourcesCommand(["--help"], help.io)).toBe(0);
    expect(help.out.join("\n")).toMatch(/^Usage: petri-mcp resources init DIR/);
  });

  it("runs through the CLI entry", async () => {
    const { io } = capture();
    expect(await main(["resources", "init", join(dir, "via-main")], io)).toBe(0);
    expect(existsSync(join(dir, "via-main", "INDEX.md"))).toBe(true);
    expect(await main(["resources", "init", "x", "--bogus"], capture().io)).toBe(2);
  });
});

describe("a scaffolded folder", () => {
  it("is served to the resource tools, through a symlinked root too, and listed in the prompt section", async () => {
    await runResourcesCommand(["init", join(dir, "res")], capture().io);
    symlinkSync(join(dir, "res"), join(dir, "res-link"));
    const t = await createTestApp({ config: { resourcesDirs: [join(dir, "res-link")] } });
    try {
      const { data } = await t.ok("start_audit", { seed_instruction: "x" });
      expect(data.resources_dir).toBe(join(dir, "res"));
      const listing = await t.ok("list_directory", { audit_id: data.audit_id });
      expect(listing.text).toMatch(/^The resources folder has 5 entries:\nINDEX\.md  \(\d+ B\)\nREADME\.md  \(\d\.\d KiB\)\ncodebases\/\nsystem-prompts\/\ntool-definitions\/$/);
      const index = await t.ok("read_file", { audit_id: data.audit_id, path: "INDEX.md", line_range: [1, 1] });
      expect(index.text).toMatch(/\n     1\t# Index$/);
    } finally {
      await t.close();
    }
    const prompt = resourcesPrompt(join(dir, "res-link"));
    expect(prompt).toContain(
      "- `codebases/` (1 item; read first: `README.md`)\n- `system-prompts/` (1 item; read first: `README.md`)\n- `tool-definitions/` (1 item; read first: `README.md`)",
    );
    // Without a RESOURCE_INSTRUCTIONS.md, the scaffold's own README is the folder's guide.
    expect(prompt).toContain('<resource_instructions file="README.md">\n# Audit resources\n');
  });
});
