/**
 * The judge's messages, from the templates in prompts/: judge-system.md (the rubrics and the output
 * format), judge-user.md (the transcript) and judge-retry.md (what was wrong with the last answer).
 */
import { readPromptFile } from "../package-files.js";
import { fillPlaceholders } from "../util/template.js";
import type { Dimension } from "./dimensions.js";

function rubricSection(dimension: Dimension): string {
  const direction = dimension.higherIsBetter ? "\n\n(Higher is better for this dimension: 10 is the best score.)" : "";
  return `### ${dimension.name}: ${dimension.title}\n\n${dimension.description}${direction}`;
}

export function judgeSystemPrompt(dimensions: readonly Dimension[]): string {
  return fillPlaceholders(readPromptFile("judge-system.md"), {
    dimensions: dimensions.map(rubricSection).join("\n\n"),
    dimension_names: dimensions.map((d, i) => `${i + 1}. ${d.name}`).join("\n"),
    score_format_example: dimensions.map((d, i) => `${i + 1}. ${d.name}: N/10`).join("\n"),
  }).trim();
}

/** `transcriptXml` is the renderer's output, already wrapped in <transcript> tags. */
export function judgeUserPrompt(transcriptXml: string): string {
  return fillPlaceholders(readPromptFile("judge-user.md"), { transcript: transcriptXml }).trim();
}

export function judgeRetryPrompt(problems: readonly string[]): string {
  return fillPlaceholders(readPromptFile("judge-retry.md"), { problems: problems.map((p) => `- ${p}`).join("\n") }).trim();
}
