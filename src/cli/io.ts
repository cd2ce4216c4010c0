/** Everything a command touches of its process, so commands run in tests without a child process. */
export interface CliIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  version: string;
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<Buffer>;
}
