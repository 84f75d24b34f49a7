/** list_directory: a page of a folder of the audit's resources (for the auditor only). */
import * as z from "zod";
import { TOOL } from "../../audit/catalogue.js";
import { capOutput } from "../../audit/format.js";
import { DEFAULT_LIST_LIMIT, formatDirectoryPage, listResourceDirectory, MAX_LIST_LIMIT } from "../../resources/listing.js";
import { auditIdArg, defineTool, toolSpec } from "../define.js";
import { MAX_PATH_CHARS, resourcesDirOf } from "./shared.js";

export const listDirectory = defineTool(TOOL.list_directory, (ctx) => {
  const { service } = ctx;
  return toolSpec({
    description:
      "List a folder of the audit's resources (real system prompts, tool definitions and codebases): each entry with its type and size, sorted by name, folders ending in '/'. " +
      "For you only: nothing reaches the target. Start with no path for the top level, and read any README or INDEX first. Large folders are paged with offset and limit.",
    input: z.object({
      audit_id: auditIdArg,
      path: z.string().max(MAX_PATH_CHARS).optional().describe("Folder relative to the audit's resources folder, e.g. 'codebases/app'. Default: the top level."),
      offset: z.number().int().min(0).optional().describe("How many entries to skip (default 0); use next_offset from the previous page."),
      limit: z.number().int().min(1).max(MAX_LIST_LIMIT).optional().describe(`How many entries to return (default ${DEFAULT_LIST_LIMIT}, at most ${MAX_LIST_LIMIT}).`),
    }),
    output: z.object({
      path: z.string().describe("The folder listed, relative to the resources folder ('' for the top level)."),
      entries: z
        .array(
          z.object({
            name: z.string().describe("The entry's name."),
            path: z.string().describe("Its path relative to the resources folder, for read_file and the other resource tools."),
            type: z.enum(["file", "directory", "other"]).describe("What it is (what it points to, for a symbolic link inside the folder); 'other' for special files and unusable links."),
            size: z.number().int().nullable().describe("Size in bytes, for files."),
            symlink: z.boolean().describe("True for a symbolic link."),
            readable: z.boolean().describe("False for special files and links leading outside the resources folder or nowhere."),
            note: z.string().nullable().describe("Why the entry is unreadable, or that it is a link."),
          }),
        )
        .describe("This page of entries, sorted by name."),
      total: z.number().int().describe("Entries in the folder."),
      offset: z.number().int().describe("Offset of this page."),
      next_offset: z.number().int().nullable().describe("Offset of the next page, or null on the last page."),
    }),
    handler: async (args) => {
      const root = await resourcesDirOf(ctx, args.audit_id);
      const page = listResourceDirectory(root, args.path ?? "", { offset: args.offset, limit: args.limit });
      const text = capOutput(formatDirectoryPage(page), service.maxToolOutput, "Page with a smaller limit and next offsets.");
      return { text, structured: { path: page.path, entries: page.entries, total: page.total, offset: page.offset, next_offset: page.nextOffset } };
    },
  });
});
