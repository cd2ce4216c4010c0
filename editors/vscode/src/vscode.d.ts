// The part of the VS Code API this extension uses (the API's own types, @types/vscode, are not a
// dependency of the repository). VS Code provides the module at run time; see
// https://code.visualstudio.com/api/references/vscode-api for the whole of it.
declare module 'vscode' {
  export interface Disposable {
    dispose(): unknown;
  }
  export interface ExtensionContext {
    readonly subscriptions: { dispose(): unknown }[];
  }
  export interface Uri {
    readonly fsPath: string;
  }
  export interface WorkspaceFolder {
    readonly uri: Uri;
    readonly name: string;
    readonly index: number;
  }
  export interface WorkspaceConfiguration {
    get<T>(section: string, defaultValue: T): T;
  }
  export interface ConfigurationChangeEvent {
    affectsConfiguration(section: string): boolean;
  }
  export namespace workspace {
    const workspaceFolders: readonly WorkspaceFolder[] | undefined;
    function getConfiguration(section?: string): WorkspaceConfiguration;
    function onDidChangeConfiguration(listener: (event: ConfigurationChangeEvent) => unknown): Disposable;
  }
  export namespace window {
    function showErrorMessage(message: string): PromiseLike<string | undefined>;
  }
}
