import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../src/transport/json-depth.js";

const bytes = (text: string) => Buffer.from(text, "utf8");

describe("nestsDeeperThan", () => {
  it("counts objects and arrays, up to and past the limit", () => {
    expect(nestsDeeperThan(bytes("[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH)))).toBe(false);
    expect(nestsDeeperThan(bytes("[".repeat(MAX_JSON_DEPTH + 1)))).toBe(true);
    expect(nestsDeeperThan(bytes('{"a":{"b":[1,{"c":2}]}}'), 4)).toBe(false);
    expect(nestsDeeperThan(bytes('{"a":{"b":[1,{"c":{}}]}}'), 4)).toBe(true);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(nestsDeeperThan(bytes(JSON.stringify({ text: "[".repeat(10_000) })), 2)).toBe(false);
    expect(nestsDeeperThan(bytes(JSON.stringify({ text: 'say \\"[[[[[\\"' })), 1)).toBe(false);
    expect(nestsDeeperThan(bytes('["\\\\", [[[]]]]'), 3)).toBe(true);
  });
});

describe("readJsonBody", () => {
  it("refuses a deeply nested HTTP body with a 400 before parsing it", async () => {
    const { Readable } = await import("node:stream");
    const { readJsonBody } = await import("../../src/http/body.js");
    const body = '{"jsonrpc":"2.0","id":1,"method":"ping","params":' + "[".repeat(1_000_000) + "]".repeat(1_000_000) + "}";
    const req = Object.assign(Readable.from([Buffer.from(body)]), { headers: {} }) as any;
    const result = await readJsonBody(req, 16 * 1024 * 1024);
    expect(result).toEqual({ ok: false, status: 400, message: expect.stringMatching(/more than 128 levels deep/) });
    const flat = Object.assign(Readable.from([Buffer.from('{"a":[[1]]}')]), { headers: {} }) as any;
    expect(await readJsonBody(flat, 1024)).toEqual({ ok: true, value: { a: [[1]] } });
  });
});
