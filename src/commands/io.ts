/** Where a command writes. stdout is reserved for the protocol in `serve`; commands print results. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * A reader that goes away (`petri-mcp seeds | head`) closes the pipe; the next write fails with
 * EPIPE. That is no error of ours: end quietly, as other command-line tools do.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return stream;
}

function line(text: string): string {
  return text.endsWith("\n") ? text : text + "\n";
}

export const processIO: CommandIO = {
  stdout: (text) => quietOnClosedPipe(process.stdout).write(line(text)),
  stderr: (text) => quietOnClosedPipe(process.stderr).write(line(text)),
};
