// Preload for one benchmark experiment (node --import ./bench/lib/statement-cache.mjs dist/cli.js):
// makes better-sqlite3's Database#prepare return one cached statement per SQL text, to measure
// what caching prepared statements in the AuditStore would save. Plain JavaScript so the server
// runs without a TypeScript loader.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Database = require("better-sqlite3");
const prepare = Database.prototype.prepare;
const caches = new WeakMap();

Database.prototype.prepare = function cachedPrepare(sql) {
  let cache = caches.get(this);
  if (!cache) caches.set(this, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = prepare.call(this, sql)));
  return statement;
};
