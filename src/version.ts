import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "./package-files.js";

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** The package version, from the package's own package.json (found as in src/package-files.ts). */
export const VERSION = readVersion();
