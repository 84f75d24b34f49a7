/**
 * Setting an audit up: starting it, and giving the target synthetic tools or taking them away.
 */
import { checkSettings, parseSettings, SettingsError } from "../models/settings.js";
import { ModelError } from "../models/types.js";
import type { AuditRecord, NewAudit } from "../store/types.js";
import { finishWrite } from "./auditor-record.js";
import { AuditError } from "./errors.js";
import { parseFunctionCode } from "./python-signature.js";
import { type AuditCore, type OperationOptions, requireText, type SimpleResult } from "./service-types.js";
import { buildToolDefinition, type StoredTool, TOOL_LIMITS, ToolDefinitionError } from "./synthetic-tools.js";

export async function startAudit(core: AuditCore, input: NewAudit): Promise<AuditRecord> {
  requireText(input.seedInstruction, "seed_instruction");
  if (input.seedInstruction.includes("\u0000")) throw new AuditError("invalid", "seed_instruction contains a NUL character (\\u0000); remove it.");
  try {
    const capabilities = core.models.capabilities(input.targetModel);
    if (input.realismModel) core.models.capabilities(input.realismModel);
    // Settings the target cannot take are refused now, before the audit exists.
    checkSettings(input.targetModel, capabilities, parseSettings(input.targetConfig, "target_config"), "target_config");
  } catch (error) {
    if (error instanceof ModelError) throw new AuditError("config", error.message);
    if (error instanceof SettingsError) throw new AuditError("invalid", error.message);
    throw error;
  }
  return core.store.transaction(async (tx) => {
    const audit = await tx.audits.create(input);
    await tx.events.add(audit.id, { type: "decision_event", data: { content: input.seedInstruction, name: "Seed Instructions" } });
    return audit;
  });
}

export interface NewToolInput {
  environmentDescription: string;
  functionCode?: string;
  name?: string;
  description?: string;
  parameters?: unknown;
}

/** The tool the input defines, or a clear error. */
function toolFrom(input: NewToolInput): StoredTool {
  requireText(input.environmentDescription, "environment_description");
  try {
    if (input.functionCode !== undefined) {
      if (input.name !== undefined || input.parameters !== undefined) {
        throw new ToolDefinitionError("Give either function_code, or name + description + parameters, not both.");
      }
      requireText(input.functionCode, "function_code");
      return { definition: parseFunctionCode(input.functionCode), environmentDescription: input.environmentDescription, functionCode: input.functionCode };
    }
    if (input.name !== undefined) {
      if (input.description === undefined) throw new ToolDefinitionError(`Tool '${input.name}' needs a description.`);
      return {
        definition: buildToolDefinition({ name: input.name, description: input.description, parameters: input.parameters }),
        environmentDescription: input.environmentDescription,
        functionCode: null,
      };
    }
    throw new ToolDefinitionError("Give either function_code (a Python def with a docstring) or name + description + parameters (JSON Schema).");
  } catch (error) {
    if (error instanceof ToolDefinitionError) throw new AuditError("invalid", error.message);
    throw error;
  }
}

export async function createTool(
  core: AuditCore,
  auditId: string,
  input: NewToolInput,
  options: OperationOptions = {},
): Promise<SimpleResult & { name: string; replaced: boolean; tool: StoredTool }> {
  const tool = toolFrom(input);
  return core.engine.write(auditId, async (tx) => {
    const names = (await tx.tools.list(auditId)).map((t) => t.definition.name);
    if (names.length >= TOOL_LIMITS.perAudit && !names.includes(tool.definition.name)) {
      throw new AuditError("invalid", `The target already has ${names.length} synthetic tools, the limit per audit. Remove one with remove_tool, or replace one by creating a tool with its name.`);
    }
    const replaced = await tx.tools.upsert(auditId, tool);
    await tx.events.add(auditId, { type: "tool_creation_event", data: { model: "target", tool: tool.definition } });
    const text = `${replaced ? "Replaced" : "Created"} synthetic tool '${tool.definition.name}' for the target.`;
    await finishWrite(tx, auditId, options.record, text);
    return { text, name: tool.definition.name, replaced, tool };
  });
}

export async function removeTool(core: AuditCore, auditId: string, name: string, options: OperationOptions = {}): Promise<SimpleResult> {
  return core.engine.write(auditId, async (tx) => {
    if (!(await tx.tools.remove(auditId, name))) {
      const known = (await tx.tools.list(auditId)).map((t) => t.definition.name);
      throw new AuditError("not_found", `Tool '${name}' not found. The target's tools are: ${known.length > 0 ? known.join(", ") : "(none)"}.`);
    }
    await tx.events.add(auditId, { type: "tool_removal_event", data: { model: "target", name } });
    const text = `Removed synthetic tool '${name}'. The conversation history is unchanged.`;
    await finishWrite(tx, auditId, options.record, text);
    return { text };
  });
}
