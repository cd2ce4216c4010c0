// Where code testloop did not get from the repository runs (a generated test, a proposed fix): a throwaway
// copy of the working tree, confined by namespaces where the machine allows, and checked after every use.
// A library module: `generate` validates candidates in it; any other command that runs model-written code
// opens one the same way.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { compareSnapshots, snapshotTree, type TreeChange, type TreeSnapshot } from './changes.ts';
import { credentialPaths } from './credentials.ts';
import { type Confinement, confinedArgv } from './namespace.ts';
import { type ProbeResult, probeNamespaces } from './probe.ts';
import { type CopyMethod, copyTree, restoreFile } from './tree-copy.ts';

export { scrubEnv } from './env.ts';
export { MARK, SETUP_FAILED } from './namespace.ts';

export interface SandboxOptions {
  /** The checkout's root, absolute. */
  root: string;
  /** Repository-relative files to copy (default: `git ls-files -co --exclude-standard`). */
  files?: readonly string[];
  /** Keep the host's network (default false: a network namespace with only its own loopback). */
  allowNetwork?: boolean;
  /** Use namespaces when the machine allows (default true); false: the copy and its checks only. */
  namespaces?: boolean;
  /** Largest file a process may write (default 256 MiB); also the size of the temp and home tmpfs. */
  fileSizeBytes?: number;
  /** The environment credentials are looked up in (default process.env). */
  env?: Record<string, string | undefined>;
}

/** Which protections are in force: reported as `stats.sandbox`. */
export interface SandboxInfo {
  /** How the working tree was copied. */
  copy: CopyMethod;
  /** 'isolated': own network namespace, own loopback; 'open': the host's (no namespaces); 'allowed': opted out. */
  network: 'isolated' | 'open' | 'allowed';
  /**
   * 'hidden': no git metadata, no home, no credential files reachable (mount namespace); 'scrubbed': the
   * environment and the copy hold none, but files elsewhere on the machine stay readable by absolute path.
   */
  credentials: 'hidden' | 'scrubbed';
  /** 'read-only': everything but the copy and the sandbox's own temp is read-only; 'open': only checked in the copy. */
  filesystem: 'read-only' | 'open';
  /** 'namespace': every process dies with the run; 'group': the process group is killed, a daemon can escape. */
  processes: 'namespace' | 'group';
  /** Why namespaces are not in use, when they are not. */
  reason?: string;
}

export interface Sandbox {
  /** The copy's root: run there instead of the checkout. */
  readonly root: string;
  readonly info: SandboxInfo;
  /** The checkout folder `dir` maps to inside the copy. */
  mapPath(dir: string): string;
  /** `env` with HOME, TMPDIR and their kin pointing at the sandbox's own (empty) folders. */
  env(env: Record<string, string>): Record<string, string>;
  /** A folder the parent reads results from (coverage, reports): writable inside, outside the tree. */
  outDir(prefix: string): string;
  /** argv that runs `argv` confined (unchanged without namespaces). */
  wrap(argv: readonly string[]): string[];
  /** Starts a use of the copy (a candidate's runs); `owned` are the repository-relative files it may write. */
  begin(owned: readonly string[]): SandboxUse;
  close(): void;
}

export interface SandboxUse {
  /** More files this use may write (a rerun's copy of the test file). */
  own(file: string): void;
  /**
   * Ends the use and checks the copy. Anything else written, changed or deleted is put back, and the reason
   * returned: for this use, and for every use that was under way at the same time (it may have been any of
   * them). Undefined: nothing else changed.
   */
  end(): string | undefined;
}

const DEFAULT_FILE_SIZE = 256 * 1024 * 1024;
/**
 * Folders runners write their own output to: new files there are not the candidate's doing. A file the
 * tree already had (a source folder that happens to be called `coverage`) still counts when it changes.
 */
const RUNNER_OUTPUT = /(?:^|\/)(?:coverage|\.vitest|\.jest-cache|\.nyc_output)\//;
/** Tool caches in the copy's node_modules (see TOOL_CACHES): never part of the tree, not even walked. */
const TOOL_CACHE = /^(?:.*\/)?node_modules\/\.(?:vite|vite-temp|cache)$/;

/** Copies the working tree of `options.root` and says which protections hold (see SandboxInfo). */
export function openSandbox(options: SandboxOptions): Sandbox {
  const checkout = realpathSync(options.root);
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'testloop-sandbox-')));
  const dirs: SandboxDirs = {
    base,
    tree: join(base, 'tree'),
    out: join(base, 'out'),
    tmp: join(base, 'tmp'),
    home: join(base, 'home'),
  };
  const { tree, out, tmp, home } = dirs;
  for (const dir of [tree, out, tmp, home]) mkdirSync(dir);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    process.off('exit', close);
    rmSync(base, { recursive: true, force: true });
  };
  process.on('exit', close);
  const copy = copyTree(checkout, tree, options.files ?? listWorkingTree(checkout));
  const { confinement, confined, info } = protections(options, checkout, dirs, copy);
  return {
    root: tree,
    info,
    mapPath: (dir) => join(tree, relative(checkout, realpathOr(dir))),
    env: (env) => ({ ...env, HOME: home, USERPROFILE: home, TMPDIR: tmp, TMP: tmp, TEMP: tmp }),
    outDir: (prefix) => mkdtempSync(join(out, prefix)),
    wrap: (argv) => (confined ? confinedArgv(argv, confinement) : [...argv]),
    begin: usesOf(checkout, tree),
    close,
  };
}

interface SandboxDirs {
  base: string;
  /** The copy of the working tree. */
  tree: string;
  /** Where the parent reads results from. */
  out: string;
  tmp: string;
  home: string;
}

/** The namespaces' confinement of this sandbox, whether it holds on this machine, and what it protects. */
function protections(
  options: SandboxOptions,
  checkout: string,
  { base, tree, out, tmp, home }: SandboxDirs,
  copy: ReturnType<typeof copyTree>,
): { confinement: Confinement; confined: boolean; info: SandboxInfo } {
  const probe: ProbeResult =
    options.namespaces === false ? { namespaces: false, reason: 'turned off' } : probeNamespaces();
  const allowNetwork = options.allowNetwork === true;
  const fileSizeBytes = options.fileSizeBytes ?? DEFAULT_FILE_SIZE;
  const needed = [
    base,
    checkout,
    dirname(process.execPath),
    ...copy.linkedModules.map((d) => join(checkout, d, 'node_modules')),
  ];
  const hidden = probe.namespaces
    ? credentialPaths(checkout, options.env ?? process.env, needed)
    : { dirs: [], files: [] };
  const confinement: Confinement = {
    writable: [tree, out],
    scratch: [tmp, home],
    hiddenDirs: hidden.dirs,
    hiddenFiles: hidden.files,
    isolateNetwork: !allowNetwork,
    fileSizeBytes,
    tmpBytes: fileSizeBytes,
  };
  // The probe tried the namespaces; this tries this sandbox's own mounts once (a few ms), so that a path
  // that cannot be hidden turns the namespaces off, said in the report, instead of failing every run.
  const verdict = probe.namespaces ? trySetup(confinement, tree) : probe;
  const confined = verdict.namespaces;
  const info: SandboxInfo = {
    copy: copy.method,
    network: allowNetwork ? 'allowed' : confined ? 'isolated' : 'open',
    credentials: confined ? 'hidden' : 'scrubbed',
    filesystem: confined ? 'read-only' : 'open',
    processes: confined ? 'namespace' : 'group',
    ...(verdict.namespaces ? {} : { reason: verdict.reason }),
  };
  return { confinement, confined, info };
}

/** Sandbox.begin for the copy at `tree`: each use's writes outside its own files are put back and reported. */
function usesOf(checkout: string, tree: string): Sandbox['begin'] {
  // The copy as it must stay; uses under way, and the files each may write.
  let baseline: TreeSnapshot | undefined;
  const active = new Map<number, { owned: Set<string>; tainted?: string }>();
  let nextUse = 1;
  const ownedNow = (): Set<string> => {
    const all = new Set<string>();
    for (const use of active.values()) for (const file of use.owned) all.add(file);
    return all;
  };
  const skip = (path: string): boolean => TOOL_CACHE.test(path);
  const takeSnapshot = (): TreeSnapshot => {
    const owned = ownedNow();
    return snapshotTree(tree, (path) => skip(path) || owned.has(path));
  };
  baseline = takeSnapshot();

  return (ownedFiles) => {
    const id = nextUse++;
    const use: { owned: Set<string>; tainted?: string } = { owned: new Set() };
    const own = (file: string): void => {
      use.owned.add(file);
      use.owned.add(
        join(dirname(file), '__snapshots__', `${file.split('/').pop()}.snap`)
          .split(sep)
          .join('/'),
      );
    };
    for (const file of ownedFiles) own(file);
    active.set(id, use);
    return {
      own,
      end() {
        const owned = ownedNow();
        const after = takeSnapshot();
        const before = baseline ?? new Map();
        const changes = compareSnapshots(
          before,
          after,
          (path) => owned.has(path) || (!before.has(path) && RUNNER_OUTPUT.test(path)),
        );
        active.delete(id);
        if (changes.length === 0) return use.tainted;
        for (const change of changes) restoreFile(checkout, tree, change.path);
        baseline = takeSnapshot();
        const why = describe(changes);
        const others = `${why}, while this candidate ran too (any of those running at once may have done it)`;
        for (const other of active.values()) other.tainted ??= others;
        return why;
      },
    };
  };
}

function trySetup(confinement: Confinement, cwd: string): ProbeResult {
  const [command, ...args] = confinedArgv(['true'], confinement);
  const result = spawnSync(command!, args, { cwd, encoding: 'utf8', timeout: 15_000 });
  if (result.status === 0) return { namespaces: true };
  const why = `${result.stderr ?? ''}`.trim().split('\n').at(-1) || `exit ${result.status ?? result.signal}`;
  return { namespaces: false, reason: `the namespace setup failed for this checkout (${why})` };
}

function describe(changes: TreeChange[]): string {
  const shown = changes.slice(0, 3).map((c) => `${c.path} (${c.kind})`);
  const more = changes.length > 3 ? ` and ${changes.length - 3} more` : '';
  return `wrote outside its own test file: ${shown.join(', ')}${more}`;
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Tracked files and untracked ones that are not ignored, as git lists them. */
export function listWorkingTree(root: string): string[] {
  const result = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) return [];
  return result.stdout.toString('utf8').split('\0').filter(Boolean);
}
