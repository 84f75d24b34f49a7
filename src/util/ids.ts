/** Ids people read and type: audits, and judge runs (`judge_` + one). */
import { randomBytes } from "node:crypto";

const ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

/** A short id that is easy to read and type, e.g. `a7k2m9q4xw3p`. */
export function newAuditId(): string {
  const bytes = randomBytes(12);
  let id = "";
  for (const b of bytes) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}
