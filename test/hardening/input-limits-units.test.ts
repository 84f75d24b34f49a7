/**
 * The bounded building blocks behind the create_tool limits (issue 14, hole 3): the iterative JSON
 * bounds walk, the auditor-view rendering of raw (unchecked) create_tool arguments, and the Python
 * signature parser on hostile code.
 */
import { describe, expect, it } from "vitest";
import { auditorCallView } from "../../src/audit/auditor-view.js";
import { jsonBoundsBreach } from "../../src/audit/json-bounds.js";
import { MAX_NESTING, parseFunctionCode } from "../../src/audit/python-signature.js";
import { buildToolDefinition, TOOL_LIMITS } from "../../src/audit/synthetic-tools.js";

function nestedArray(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe("jsonBoundsBreach", () => {
  it("measures depth from 1 at the top and names where the bound was passed", () => {
    expect(jsonBoundsBreach(1, { maxDepth: 1, maxNodes: 10 })).toBeNull();
    expect(jsonBoundsBreach(nestedArray(3), { maxDepth: 4, maxNodes: 10 })).toBeNull();
    expect(jsonBoundsBreach({ a: { "b c": [0, [1]] } }, { maxDepth: 4, maxNodes: 10 }, "root")).toEqual({ kind: "depth", path: 'root.a["b c"][1][0]' });
  });

  it("walks 200,000 levels without recursion and stops at the bound", () => {
    expect(jsonBoundsBreach(nestedArray(200_000), { maxDepth: 32, maxNodes: 5_000 })?.kind).toBe("depth");
  });

  it("refuses a container too wide before pushing its children", () => {
    const wide = new Array(1_000_000).fill(0);
    expect(jsonBoundsBreach({ wide }, { maxDepth: 32, maxNodes: 5_000 })).toEqual({ kind: "nodes", path: "value.wide" });
    expect(jsonBoundsBreach(new Array(4_999).fill(0), { maxDepth: 32, maxNodes: 5_000 })).toBeNull();
    expect(jsonBoundsBreach(new Array(5_000).fill(0), { maxDepth: 32, maxNodes: 5_000 })?.kind).toBe("nodes");
  });

  it("keeps long paths short", () => {
    const breach = jsonBoundsBreach({ ["k".repeat(10_000)]: nestedArray(100) }, { maxDepth: 32, maxNodes: 5_000 });
    expect(breach!.path.length).toBeLessThan(260);
  });
});

describe("auditorCallView of create_tool", () => {
  it("renders raw arguments of any depth without throwing, in bounded size", () => {
    const view = auditorCallView("create_tool", { name: nestedArray(200_000), description: "d", parameters: { type: "object", default: nestedArray(200_000) } });
    expect(view.content).toMatch(/not shown: nested deeper than 32 levels/);
    expect(view.content.length).toBeLessThan(1_000);
  });

  it("shows small schemas pretty-printed and large ones compact and clipped with a notice", () => {
    const small = auditorCallView("create_tool", { name: "bash", description: "Run.", parameters: { type: "object", properties: { cmd: { type: "string" } } } });
    expect(small.content).toContain('{\n  "type": "object",');
    const properties = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, { type: "string", description: "d".repeat(300), default: nestedArray(25) }]));
    const large = auditorCallView("create_tool", { name: "big", description: "x".repeat(50_000), parameters: { type: "object", properties } });
    expect(large.content).not.toContain("\n  ");
    expect(large.content).toMatch(/more characters not shown; the full definition is in this call's arguments/);
    expect(large.content.length).toBeLessThan(20_000);
  });

  it("clips long function_code and counts backtick runs without spreading them as arguments", () => {
    const view = auditorCallView("create_tool", { function_code: "`a".repeat(500_000) });
    expect(view.content.startsWith("```python\n")).toBe(true);
    expect(view.content.length).toBeLessThan(9_000);
  });
});

describe("limits of a tool definition", () => {
  it("counts default values toward the nesting limit, exactly at the boundary", () => {
    const at = (depth: number) => ({ name: "t", description: "T.", parameters: { type: "object", properties: { x: { default: nestedArray(depth) } } } });
    // parameters(1) > properties(2) > x(3) > the default's outer array (4) ... its innermost 1 at 4 + depth.
    expect(() => buildToolDefinition(at(TOOL_LIMITS.valueDepth - 4))).not.toThrow();
    expect(() => buildToolDefinition(at(TOOL_LIMITS.valueDepth - 3))).toThrow(/nested deeper than 32 levels/);
  });

  it("refuses a definition over 64 KiB even when every part is within its own limit", () => {
    const properties = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, { type: "string", description: "d".repeat(700) }]));
    expect(() => buildToolDefinition({ name: "t", description: "T.", parameters: { type: "object", properties } })).toThrow(/bytes as JSON; the limit is 65536/);
  });
});

describe("parseFunctionCode on hostile code", () => {
  const doc = '\n    """Doc.\n\n    Args:\n        x: X.\n    """';

  it(`accepts ${MAX_NESTING - 1} levels of brackets in a signature and refuses ${MAX_NESTING}`, () => {
    const inTuple = (levels: number) => `def f(x: int = ${"(".repeat(levels)}1${")".repeat(levels)}):${doc}`;
    // The parameter list's own parenthesis is the first level; the default itself is then refused as a non-literal.
    expect(() => parseFunctionCode(inTuple(MAX_NESTING - 1))).toThrow(/must be a literal/);
    expect(() => parseFunctionCode(inTuple(MAX_NESTING))).toThrow(/nested deeper than 32 levels \(the limit\)/);
  });

  it("treats '__proto__' and 'constructor' as ordinary parameter names", () => {
    const tool = parseFunctionCode('def f(__proto__: int, constructor: str):\n    """Doc.\n\n    Args:\n        __proto__: P.\n        constructor: C.\n    """');
    expect(Object.keys(tool.parameters.properties)).toEqual(["__proto__", "constructor"]);
    expect(tool.parameters.required).toEqual(["__proto__", "constructor"]);
  });

  it("refuses a parameter the docstring does not describe even when its name is an Object member", () => {
    expect(() => parseFunctionCode('def f(x: int):\n    """Doc.\n\n    Args:\n        x: X.\n        constructor: C.\n    """')).toThrow(/lacks: constructor/);
  });

  it("keeps a very long function name out of the error message", () => {
    const error = (() => {
      try {
        parseFunctionCode(`def ${"a".repeat(90_000)}(x: int):${doc}`);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(error).toMatch(/Invalid tool name/);
    expect(error.length).toBeLessThan(400);
  });
});
