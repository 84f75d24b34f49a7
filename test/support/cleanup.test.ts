/**
 * cleanupAfterEach: what a test handed over is undone after it, last first. (The tests of a file run
 * in order: the second checks what the first left.)
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanupAfterEach } from "./cleanup.js";

const own = cleanupAfterEach();
const closed: string[] = [];
let folder = "";
let child: ReturnType<typeof spawn> | undefined;

const resource = (name: string) => ({ close: async () => void closed.push(name) });

describe("cleanupAfterEach", () => {
  it("takes resources, a folder and a child", () => {
    folder = own.folder(mkdtempSync(join(tmpdir(), "petri-cleanup-")));
    own(resource("first"));
    child = own.child(spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }));
    own(resource("last"));
    expect(closed).toEqual([]);
  });

  it("closed them last first, killed the child and removed the folder", async () => {
    expect(closed).toEqual(["last", "first"]);
    expect(existsSync(folder)).toBe(false);
    await new Promise((resolve) => (child!.exitCode !== null || child!.signalCode !== null ? resolve(null) : child!.once("exit", resolve)));
    expect(child!.signalCode).toBe("SIGKILL");
  });
});
