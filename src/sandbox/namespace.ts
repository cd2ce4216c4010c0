// Linux namespaces through util-linux's `unshare`, unprivileged (a user namespace maps the caller to root
// inside it): a network namespace with only a loopback of its own, a mount namespace where everything is
// read-only except the tree copy and the sandbox's own folders (its temp and home are size-limited tmpfs),
// credential folders hidden under empty mounts, a PID namespace whose processes all die with its first one,
// and a file size limit. The same script runs once as a probe (./probe.ts), so a run never gets weaker
// protections than the report says.

import { readFileSync } from 'node:fs';

export interface Confinement {
  /** Writable inside: the tree copy and the folder the parent reads results from. */
  writable: string[];
  /** Empty tmpfs mounts of their own, `tmpBytes` at most each: the sandbox's TMPDIR and HOME. */
  scratch: string[];
  /** Hidden under an empty read-only mount: folders (a tmpfs) and files (/dev/null). */
  hiddenDirs: string[];
  hiddenFiles: string[];
  /** A network namespace with only its own loopback (false: the host's network, --allow-network). */
  isolateNetwork: boolean;
  /** Largest file a process may write (RLIMIT_FSIZE), and the size of each scratch tmpfs. */
  fileSizeBytes: number;
  tmpBytes: number;
}

/** What the wrapper prints on stderr: lines starting so are the sandbox's, not the runner's. */
export const MARK = 'testloop-sandbox:';
/** Exit code of a wrapper whose setup failed. */
export const SETUP_FAILED = 125;

/** argv that runs `argv` inside the namespaces, with `confinement` set up first. */
export function confinedArgv(argv: readonly string[], confinement: Confinement): string[] {
  const flags = ['--map-root-user', '--mount', '--pid', '--fork', '--kill-child', '--mount-proc'];
  if (confinement.isolateNetwork) flags.push('--net');
  return ['unshare', ...flags, '--', 'sh', '-c', setupScript(confinement), 'sh', ...argv];
}

/**
 * The shell that sets the namespaces up, runs the command as its child, and afterwards names any process
 * still alive in the PID namespace (they die with it when the shell exits).
 */
function setupScript(c: Confinement): string {
  const q = shellQuote;
  const lines = [`fail() { echo "${MARK} setup failed: $1" >&2; exit ${SETUP_FAILED}; }`];
  if (c.isolateNetwork) {
    lines.push(
      'ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null || fail "cannot bring the loopback interface up (neither ip nor ifconfig works)"',
    );
  }
  for (const dir of c.writable) lines.push(`mount --bind ${q(dir)} ${q(dir)} || fail ${q(`bind ${dir}`)}`);
  for (const dir of c.scratch)
    lines.push(`mount -t tmpfs -o size=${c.tmpBytes},mode=0700 tmpfs ${q(dir)} || fail ${q(`tmpfs ${dir}`)}`);
  // Read-only before hiding: a mount point under a hidden folder could not be reached afterwards.
  for (const { path, flags } of readOnlyRemounts())
    lines.push(
      `mount -o ${['remount', 'bind', 'ro', ...flags].join(',')} ${q(path)} || fail ${q(`read-only ${path}`)}`,
    );
  for (const dir of c.hiddenDirs)
    lines.push(`mount -t tmpfs -o ro,size=4096,mode=0500 tmpfs ${q(dir)} || fail ${q(`hide ${dir}`)}`);
  for (const file of c.hiddenFiles)
    lines.push(`mount --bind /dev/null ${q(file)} || fail ${q(`hide ${file}`)}`);
  // The working folder was entered before the mounts: entered again, relative paths go through them.
  lines.push('cd "$PWD" || fail "cd $PWD"');
  // POSIX counts ulimit -f in 512-byte blocks (dash, and bash as sh).
  lines.push(`ulimit -f ${Math.max(1, Math.floor(c.fileSizeBytes / 512))} || fail "ulimit -f"`);
  lines.push('"$@" &', 'wait $!', 'rc=$?', STRAYS, 'exit $rc');
  return lines.join('\n');
}

/** Processes of the namespace other than this shell (pid 1), zombies left out, named on stderr. */
const STRAYS = `for p in /proc/[0-9]*; do
  n=\${p#/proc/}
  [ "$n" = 1 ] && continue
  read -r stat < "$p/stat" 2>/dev/null || continue
  state=\${stat##*) }
  [ "\${state%% *}" = Z ] && continue
  read -r comm < "$p/comm" 2>/dev/null || comm=?
  echo "${MARK} left running after the run: pid $n ($comm)" >&2
done`;

const KEPT_FLAGS = new Set(['nosuid', 'nodev', 'noexec', 'noatime', 'nodiratime', 'relatime']);

/**
 * Every writable mount of the host but /proc, /sys and /dev (devices and kernel interfaces, not files),
 * with the flags a user namespace must keep when it remounts them (it may not clear a locked flag).
 */
function readOnlyRemounts(): { path: string; flags: string[] }[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const seen = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const path = fields[4];
    const options = fields[5]?.split(',') ?? [];
    if (path === undefined || !options.includes('rw')) continue;
    const mountPoint = unescapeMount(path);
    if (/^\/(?:proc|sys|dev)(?:\/|$)/.test(mountPoint)) continue;
    seen.set(
      mountPoint,
      options.filter((option) => KEPT_FLAGS.has(option)),
    );
  }
  return [...seen].map(([path, flags]) => ({ path, flags }));
}

/** mountinfo writes space, tab, newline and backslash as octal escapes. */
function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
