import { describe, expect, it } from "vitest";
import { annotationToSchema, parseDocstring, parseFunctionCode } from "../../src/audit/python-signature.js";

const BASH = `
def bash(cmd: str, timeout: int = 30) -> str:
    """Run a shell command on the build server and return its output.

    Output longer than 10,000 lines is truncated.

    Args:
        cmd: The command line to run, e.g. "ls -la /srv".
        timeout: Seconds before the command is killed.
    """
    ...
`;

describe("parseFunctionCode", () => {
  it("turns a Petri-style def into a ToolDefinition", () => {
    const tool = parseFunctionCode(BASH);
    expect(tool.name).toBe("bash");
    expect(tool.description).toBe("Run a shell command on the build server and return its output.\n\nOutput longer than 10,000 lines is truncated.");
    expect(tool.parameters).toEqual({
      type: "object",
      properties: {
        cmd: { type: "string", description: 'The command line to run, e.g. "ls -la /srv".' },
        timeout: { type: "integer", description: "Seconds before the command is killed.", default: 30 },
      },
      required: ["cmd"],
      additionalProperties: false,
    });
    expect(tool.parallel).toBe(true);
  });

  it("maps rich annotations and literal defaults", () => {
    const tool = parseFunctionCode(`def query(sql: str, params: list[str] | None = None, mode: Literal["ro", "rw"] = 'ro', limit: float = -1.5, flags: dict[str, bool] = None, verbose: bool = False, note: Optional[str] = "a=b, c") -> list:
    '''Query the warehouse.

    Args:
        sql: SQL text.
        params: Positional
            parameters, if any.
        mode (str): Access mode.
        limit: Row limit.
        flags: Feature flags.
        verbose: Chatty output.
        note: Free text.
    '''
    pass`);
    const p = tool.parameters.properties;
    expect(p.params).toEqual({ anyOf: [{ type: "array", items: { type: "string" } }, { type: "null" }], description: "Positional parameters, if any.", default: null });
    expect(p.mode).toEqual({ enum: ["ro", "rw"], type: "string", description: "Access mode.", default: "ro" });
    expect(p.limit).toMatchObject({ type: "number", default: -1.5 });
    expect(p.flags).toMatchObject({ type: "object", additionalProperties: { type: "boolean" } });
    expect(p.verbose).toMatchObject({ type: "boolean", default: false });
    expect(p.note).toMatchObject({ default: "a=b, c" });
    expect(tool.parameters.required).toEqual(["sql"]);
  });

  it("accepts an indented snippet, comments and a one-line body", () => {
    const tool = parseFunctionCode(`    # reads mail
    def read_inbox(folder: str = "INBOX"):
        """List messages in a folder.

        Args:
            folder: Mailbox folder.
        """
        return []
`);
    expect(tool.name).toBe("read_inbox");
    expect(tool.parameters.required).toEqual([]);
  });

  it("handles a function with no parameters", () => {
    const tool = parseFunctionCode(`def get_time() -> str:\n    """Current server time."""\n    ...`);
    expect(tool.parameters).toEqual({ type: "object", properties: {}, required: [], additionalProperties: false });
  });

  it.each([
    ["no def", "x = 1", /exactly one function definition/],
    ["two defs", `def a(x: str):\n    """A.\n\n    Args:\n        x: X.\n    """\n\ndef b():\n    """B."""\n`, /exactly one function definition/],
    ["trailing statement", `def a():\n    """A."""\n    ...\nprint(1)`, /exactly one function definition/],
    ["no docstring", `def a(x: str):\n    return x`, /must have a docstring/],
    ["non-literal default", `def a(x: list = []):\n    """A.\n\n    Args:\n        x: X.\n    """`, /must be a literal/],
    ["call default", `def a(x: str = os.getcwd()):\n    """A.\n\n    Args:\n        x: X.\n    """`, /must be a literal/],
    ["missing annotation", `def a(x):\n    """A.\n\n    Args:\n        x: X.\n    """`, /needs a type annotation/],
    ["missing arg description", `def a(x: str):\n    """A."""`, /has no description/],
    ["doc describes unknown arg", `def a(x: str):\n    """A.\n\n    Args:\n        x: X.\n        y: Y.\n    """`, /signature lacks: y/],
    ["varargs", `def a(*args: str):\n    """A."""`, /variadic/],
    ["unsupported type", `def a(x: DataFrame):\n    """A.\n\n    Args:\n        x: X.\n    """`, /unsupported type annotation 'DataFrame'/],
    ["unclosed paren", `def a(x: str:\n    """A."""`, /not closed|unbalanced/],
    ["unterminated docstring", `def a():\n    """A.`, /unterminated/],
    ["method", `def a(self, x: str):\n    """A.\n\n    Args:\n        x: X.\n    """`, /not allowed/],
    ["bad name chars", `def déjà(x: str):\n    """A."""`, /exactly one function definition|Invalid tool name/],
  ])("refuses %s with a clear reason", (_label, code, reason) => {
    expect(() => parseFunctionCode(code)).toThrow(reason);
  });
});

describe("annotationToSchema and parseDocstring", () => {
  it("handles nested generics and typing prefixes", () => {
    expect(annotationToSchema("typing.List[typing.Dict[str, int]]")).toEqual({ type: "array", items: { type: "object", additionalProperties: { type: "integer" } } });
    expect(annotationToSchema("Union[int, str]")).toEqual({ anyOf: [{ type: "integer" }, { type: "string" }] });
    expect(annotationToSchema("'str'")).toEqual({ type: "string" });
  });

  it("stops Args at the next section", () => {
    const doc = parseDocstring("Send mail.\n\nArgs:\n    to: Recipient.\n\nReturns:\n    to: not an arg\n");
    expect(doc.description).toBe("Send mail.");
    expect([...doc.args.entries()]).toEqual([["to", "Recipient."]]);
  });
});
