// The environment untrusted code runs with: what a runner needs to start, and nothing that looks like a
// secret.

const KEEP =
  /^(?:PATH|HOME|LANG|LANGUAGE|LC_\w+|TZ|CI|TERM|TMPDIR|TEMP|TMP|USER|LOGNAME|SHELL|NODE_\w+|npm_config_.+|SYSTEMROOT|WINDIR|COMSPEC|PATHEXT|USERPROFILE|APPDATA|LOCALAPPDATA)$/i;
const SECRET_WORD = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|SESSION|COOKIE|PRIVATE/i;
const SECRET_PREFIX =
  /^(?:AWS|AZURE|GOOGLE|GCP|GCLOUD|GITHUB|ACTIONS|OPENAI|ANTHROPIC|TESTLOOP_LLM|NPM_TOKEN|DATABASE|VAULT)(?:_|$)/i;
/** Node plumbing that belongs to the parent process, not to a runner started from it. */
const PARENT_ONLY = /^NODE_(?:CHANNEL_FD|CHANNEL_SERIALIZATION_MODE|UNIQUE_ID|TEST_CONTEXT|V8_COVERAGE)$/i;
/** `scheme://user:password@host`: a URL carrying credentials. */
const URL_CREDENTIALS = /\/\/[^/\s:@]+:[^/\s@]+@/;

/**
 * The environment generated code runs with: an allowlist (PATH, HOME, locale, TZ, CI, TERM, TMPDIR,
 * NODE_*, npm_config_*, and what Windows needs to start a process), minus anything that looks like a
 * secret by name or carries credentials in its value.
 */
export function scrubEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !KEEP.test(name) || PARENT_ONLY.test(name)) continue;
    if (SECRET_WORD.test(name) || SECRET_PREFIX.test(name) || URL_CREDENTIALS.test(value)) continue;
    out[name] = value;
  }
  return out;
}

/**
 * testloop's own credentials (the comment tokens, the model's key): no process testloop starts for the
 * project — its tests, its runner configs — needs them, and the change under test may have edited that code.
 */
const TESTLOOP_SECRETS = ['TESTLOOP_GITHUB_TOKEN', 'TESTLOOP_GITLAB_TOKEN', 'TESTLOOP_LLM_API_KEY'];

/** `env` without testloop's own credentials; the same object when it holds none. */
export function withoutTestloopSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!TESTLOOP_SECRETS.some((name) => name in env)) return env;
  const kept = { ...env };
  for (const name of TESTLOOP_SECRETS) delete kept[name];
  return kept;
}
