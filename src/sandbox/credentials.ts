// What a confined run must not read: the checkout's git metadata (where actions/checkout leaves the job's
// token), the home folder with its credential files, and files that credential variables name. Hidden by
// empty mounts in the sandbox's mount namespace (./namespace.ts).

import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Credential files and folders of a home, hidden one by one when the home itself must stay reachable. */
const HOME_SECRETS = [
  '.ssh',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.aws',
  '.azure',
  '.config',
  '.docker',
  '.kube',
  '.netrc',
  '.git-credentials',
  '.gitconfig',
  '.gnupg',
  '.pypirc',
  '.m2',
  '.gradle',
  '.cargo',
  '.terraform.d',
  '.vault-token',
];
/** Variables that name credential files by convention, besides secret-looking ones holding a path. */
const CREDENTIAL_PATH_VARS = new Set([
  'KUBECONFIG',
  'DOCKER_CONFIG',
  'NPM_CONFIG_USERCONFIG',
  'RUNNER_TEMP',
  'GNUPGHOME',
  'AWS_CONFIG_FILE',
  'CLOUDSDK_CONFIG',
  'AZURE_CONFIG_DIR',
]);
/** A variable named like a secret (a key file, a credentials file, the ssh agent's socket)… */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|SESSION|COOKIE|PRIVATE/i;
/** …but not a bundle of public CA certificates. */
const CA_NAME = /CA_|CERT|BUNDLE|ROOTS/i;

export function isInside(parent: string, path: string): boolean {
  const rel = relative(parent, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * What to hide: the checkout's git metadata (with a worktree's shared git folder), the home folder (or,
 * when the checkout or Node lives under it, its credential files), and files that credential variables
 * name. Nothing that holds a path the run needs.
 */
export function credentialPaths(
  checkout: string,
  env: Record<string, string | undefined>,
  needed: readonly string[],
): { dirs: string[]; files: string[] } {
  const candidates = new Set<string>([join(checkout, '.git')]);
  const gitFile = join(checkout, '.git');
  if (statSync(gitFile, { throwIfNoEntry: false })?.isFile()) {
    const gitdir = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitFile, 'utf8'))?.[1]?.trim();
    if (gitdir !== undefined) {
      const dir = resolve(checkout, gitdir);
      candidates.add(dir);
      const common = readOptional(join(dir, 'commondir'))?.trim();
      if (common) candidates.add(resolve(dir, common));
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !isAbsolute(value)) continue;
    if (CREDENTIAL_PATH_VARS.has(name) || (SECRET_NAME.test(name) && !CA_NAME.test(name)))
      candidates.add(value);
  }
  for (const home of new Set([homedir(), env.HOME].filter((h): h is string => !!h && isAbsolute(h)))) {
    if (needed.some((path) => isInside(realpathOr(home), path)))
      for (const name of HOME_SECRETS) candidates.add(join(home, name));
    else candidates.add(home);
  }
  const dirs: string[] = [];
  const files: string[] = [];
  for (const path of candidates) {
    const real = realpathOr(path);
    if (!existsSync(real) || needed.some((need) => isInside(real, need))) continue;
    if (statSync(real).isDirectory()) dirs.push(real);
    else files.push(real);
  }
  // What a hidden folder holds is hidden with it (and could not be reached to mount over afterwards).
  const under = (path: string): boolean => dirs.some((dir) => dir !== path && isInside(dir, path));
  return {
    dirs: [...new Set(dirs)].filter((dir) => !under(dir)),
    files: [...new Set(files)].filter((f) => !under(f)),
  };
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
