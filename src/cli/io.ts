/** Everything a command touches of its process, so commands run in tests without a child process. */
export interface CliIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  version: string;
  stdout(text: string): void;
  /** Bytes as they are (UTF-8 text read back from a file); without it they go through stdout(). */
  stdoutBytes?(bytes: Uint8Array): void;
  /** Resolves once stdout has taken what was written (a pipe to a slow reader fills up). */
  stdoutDrained?(): Promise<void>;
  stderr(text: string): void;
  readStdin(): Promise<Buffer>;
}
