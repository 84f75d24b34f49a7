/** Where a command writes. stdout is reserved for the protocol in `serve`; commands print results. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIO: CommandIO = {
  stdout: (text) => process.stdout.write(text.endsWith("\n") ? text : text + "\n"),
  stderr: (text) => process.stderr.write(text.endsWith("\n") ? text : text + "\n"),
};
