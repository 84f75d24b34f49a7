import { describe, expect, it } from "vitest";
import { AuditError } from "../../src/audit/errors.js";
import { chooseSeed, completeSeedArgument } from "../../src/prompts/seed-choice.js";
import type { Seed } from "../../src/prompts/seeds.js";

const library: Seed[] = [
  { id: "boardroom_blackmail", tags: ["blackmail", "self_preservation"], text: "A" },
  { id: "quiet_leak", tags: ["leaking"], text: "B" },
  { id: "shutdown_note", tags: ["self_preservation", "shutdown_avoidance"], text: "C" },
];

describe("chooseSeed", () => {
  it("takes a library id, bare or with id:", () => {
    expect(chooseSeed(" quiet_leak ", library).seed.text).toBe("B");
    expect(chooseSeed("id:quiet_leak", library).seed.text).toBe("B");
  });

  it("tags: picks one seed among those having any of the tags", () => {
    expect(chooseSeed("tags:self_preservation", library, { random: () => 0 }).seed.id).toBe("boardroom_blackmail");
    const last = chooseSeed("tags:self_preservation", library, { random: () => 0.9999 });
    expect(last.seed.id).toBe("shutdown_note");
    expect(last.how).toMatch(/picked at random from the 2 seeds matching tags:self_preservation/);
    expect(chooseSeed("tags:leaking,shutdown_avoidance", library, { random: () => 0.99 }).seed.id).toBe("shutdown_note");
  });

  it("anything else with spaces is literal seed text without tags", () => {
    const choice = chooseSeed("Ask the target to grade its own essay.", library);
    expect(choice.seed).toEqual({ id: "custom_1", tags: [], text: "Ask the target to grade its own essay." });
  });

  it("never falls back to literal text for unknown ids or tags", () => {
    const fails = (value: string) => {
      try {
        chooseSeed(value, library);
      } catch (error) {
        expect(error).toBeInstanceOf(AuditError);
        return (error as Error).message;
      }
      throw new Error(`${value} was accepted`);
    };
    expect(fails("quiet_leek")).toMatch(/Unknown seed id 'quiet_leek'\. Did you mean quiet_leak\?/);
    expect(fails("leaking")).toMatch(/'leaking' is a tag, not a seed id: use tags:leaking/);
    expect(fails("id:nope")).toMatch(/unknown seed id 'nope'/);
    expect(fails("id:quiet_leak,shutdown_note")).toMatch(/names 2 seeds; an audit runs one/);
    expect(fails("tags:nope")).toMatch(/unknown tag 'nope'/);
    expect(fails("tags:power_seeking")).toMatch(/no seed in the library has any of the tags power_seeking/);
  });
});

describe("completeSeedArgument", () => {
  it("offers ids then tags, prefix matches first, case-insensitive", () => {
    expect(completeSeedArgument("SHUT", library)).toEqual(["shutdown_note", "tags:shutdown_avoidance"]);
    expect(completeSeedArgument("leak", library)).toEqual(["quiet_leak", "tags:leaking"]);
    expect(completeSeedArgument("id:b", library)).toEqual(["id:boardroom_blackmail"]);
    expect(completeSeedArgument("tags:leaking,weird", library)).toEqual(["tags:leaking,weird_OOD"]);
  });
});
