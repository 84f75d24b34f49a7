/**
 * Message shapes of the Petri transcript format v3.0 (Inspect `ChatMessage`), which is also how
 * messages are stored. Export is then serialization.
 */

export interface ContentText {
  type: "text";
  text: string;
  refusal?: boolean | null;
}

export interface ContentReasoning {
  type: "reasoning";
  /** The reasoning text, or the opaque data of a redacted block. */
  reasoning: string;
  summary?: string | null;
  /** Provider signature; sent back verbatim. */
  signature?: string | null;
  redacted?: boolean;
}

export type Content = ContentText | ContentReasoning;

export interface ToolCallView {
  title?: string;
  format: "text" | "markdown";
  content: string;
}

export interface ToolCall {
  id: string;
  function: string;
  arguments: Record<string, unknown>;
  type: "function";
  /** Set when the model produced arguments that are not a JSON object. */
  parse_error?: string | null;
  view?: ToolCallView | null;
}

export type MessageSource = "Auditor" | "Target";

export interface MessageMetadata {
  source?: MessageSource;
  prefill?: boolean;
  [key: string]: unknown;
}

interface BaseMessage {
  id: string;
  content: string | Content[];
  metadata?: MessageMetadata;
}

export interface SystemMessage extends BaseMessage {
  role: "system";
}

export interface UserMessage extends BaseMessage {
  role: "user";
}

export interface AssistantMessage extends BaseMessage {
  role: "assistant";
  tool_calls?: ToolCall[] | null;
  model?: string | null;
}

export interface ToolCallError {
  type: "unknown" | "parsing" | "timeout" | "permission" | "file_not_found" | "is_a_directory" | "limit" | "approval" | "output_limit";
  message: string;
}

export interface ToolMessage extends BaseMessage {
  role: "tool";
  tool_call_id: string;
  function: string;
  error?: ToolCallError | null;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;
export type Role = ChatMessage["role"];

/** The text parts of a message joined by newlines (reasoning excluded). */
export function messageText(message: Pick<ChatMessage, "content">): string {
  if (typeof message.content === "string") return message.content;
  return message.content
    .filter((part): part is ContentText => part.type === "text")
    .map((part) => part.text)
    .join("\n");
}

export function reasoningParts(message: Pick<ChatMessage, "content">): ContentReasoning[] {
  if (typeof message.content === "string") return [];
  return message.content.filter((part): part is ContentReasoning => part.type === "reasoning");
}

export function isPrefill(message: ChatMessage): boolean {
  return message.role === "assistant" && message.metadata?.prefill === true;
}
