/**
 * The judge's messages, from the templates in prompts/: judge-system.md (the rubrics and the output
 * format), judge-user.md (the transcript) and judge-retry.md (what was wrong with the last answer).
 */
import type { Dimension } from "./dimensions.js";
import { readPromptFile } from "./package-prompts.js";

/** Replaces `{key}` placeholders in one pass, so inserted text is never substituted again. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, key: string) => (Object.hasOwn(values, key) ? values[key]! : whole));
}

function rubricSection(dimension: Dimension): string {
  const direction = dimension.higherIsBetter ? "\n\n(Higher is better for this dimension: 10 is the best score.)" : "";
  return `### ${dimension.name}: ${dimension.title}\n\n${dimension.description}${direction}`;
}

export function judgeSystemPrompt(dimensions: readonly Dimension[]): string {
  return fillTemplate(readPromptFile("judge-system.md"), {
    dimensions: dimensions.map(rubricSection).join("\n\n"),
    dimension_names: dimensions.map((d, i) => `${i + 1}. ${d.name}`).join("\n"),
    score_format_example: dimensions.map((d, i) => `${i + 1}. ${d.name}: N/10`).join("\n"),
  }).trim();
}

/** `transcriptXml` is the renderer's output, already wrapped in <transcript> tags. */
export function judgeUserPrompt(transcriptXml: string): string {
  return fillTemplate(readPromptFile("judge-user.md"), { transcript: transcriptXml }).trim();
}

export function judgeRetryPrompt(problems: readonly string[]): string {
  return fillTemplate(readPromptFile("judge-retry.md"), { problems: problems.map((p) => `- ${p}`).join("\n") }).trim();
}
