/**
 * What a test opens, undone after it: `const own = cleanupAfterEach()` at the top of a file, then
 * `fake = own(await startFakeLlm())`, `dir = own.folder(tempDir())`, `own.child(spawn(...))`.
 * After each test, the last thing handed over is undone first (children killed before the store
 * they write is closed, the folder removed last); every undo runs even when one fails.
 */
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { afterEach } from "vitest";

export interface Cleanup {
  /** Closes `resource` after the test. */
  <T extends { close(): unknown }>(resource: T): T;
  /** Removes the folder after the test. */
  folder(path: string): string;
  /** SIGKILLs the child after the test if it is still running. */
  child<T extends ChildProcess>(child: T): T;
}

export function cleanupAfterEach(): Cleanup {
  const undos: Array<() => unknown> = [];
  afterEach(async () => {
    const errors: unknown[] = [];
    for (const undo of undos.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  });
  const own = <T extends { close(): unknown }>(resource: T): T => {
    undos.push(() => resource.close());
    return resource;
  };
  return Object.assign(own, {
    folder(path: string) {
      undos.push(() => rmSync(path, { recursive: true, force: true }));
      return path;
    },
    child<T extends ChildProcess>(child: T) {
      undos.push(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      });
      return child;
    },
  });
}
