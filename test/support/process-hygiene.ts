/**
 * vitest setupFile, run around every test file. Test files share their worker process
 * (`isolate: false`), so a file that changes the process's environment or working folder and does
 * not put it back changes what the next file sees. This fails the file that did it, naming what it
 * left changed. Restore with `vi.stubEnv` + `vi.unstubAllEnvs()`, or save and put back by hand.
 */
import { afterAll, beforeAll, expect } from "vitest";

let envBefore: Record<string, string | undefined> = {};
let cwdBefore = "";

beforeAll(() => {
  envBefore = { ...process.env };
  cwdBefore = process.cwd();
});

// Registered before the file's own hooks, so it runs after them (vitest runs after-hooks as a stack).
afterAll(() => {
  const names = new Set([...Object.keys(envBefore), ...Object.keys(process.env)]);
  const changed = [...names].filter((name) => process.env[name] !== envBefore[name]).sort();
  expect(changed, "environment variables this test file changed and did not restore").toEqual([]);
  expect(process.cwd(), "working folder this test file changed and did not restore").toBe(cwdBefore);
});
