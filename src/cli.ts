#!/usr/bin/env node
import { main } from "./commands/index.js";
import { processIO } from "./commands/io.js";
import { log, routeConsoleWarnings } from "./log.js";

routeConsoleWarnings();

main(process.argv.slice(2), processIO).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log.error("fatal", error);
    process.exitCode = 1;
  },
);
