import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type TestPostgres = { url: string; stop(): Promise<void> } | { skip: string };

/** initdb, pg_ctl and createdb: next to an initdb on PATH (symlinks followed), else Debian's folders. */
function findBinaries(): string | undefined {
  const candidates: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const initdb = join(dir, 'initdb');
    if (dir && existsSync(initdb)) candidates.push(dirname(realpathSync(initdb)));
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(debian, version, 'bin')));
  }
  return candidates.find((dir) =>
    ['initdb', 'pg_ctl', 'createdb'].every((bin) => existsSync(join(dir, bin))),
  );
}

/**
 * The database the PostgreSQL tests use: TESTLOOP_TEST_DATABASE_URL when CI (.ci/run) provides one, else
 * a throwaway cluster started here the same way .ci/run does it (data and unix socket in a temp dir,
 * trust auth, owned by `postgres` when running as root), or a reason to skip when there is no server.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.TESTLOOP_TEST_DATABASE_URL;
  if (given) return { url: given, stop: async () => undefined };
  const bin = findBinaries();
  if (!bin) {
    return {
      skip: 'no PostgreSQL server binaries (initdb, pg_ctl): install PostgreSQL (Debian: apt-get install postgresql) or set TESTLOOP_TEST_DATABASE_URL',
    };
  }
  const root = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (root) {
    try {
      const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
      owner = { uid: Number(uid.stdout), gid: Number(gid.stdout) };
    } catch {
      return {
        skip: 'running as root and there is no `postgres` user to own a test cluster (initdb refuses root)',
      };
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'testloop-pg-'));
  const asOwner = (command: string, args: string[]) =>
    owner
      ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
      : run(join(bin, command), args);
  if (owner) await chown(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const stop = async () => {
    await asOwner('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await asOwner('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const settings = `-c listen_addresses='' -c unix_socket_directories='${dir}' -c fsync=off`;
    await asOwner('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      settings,
      'start',
    ]);
    // A linguistic default collation, as shared servers usually have (.ci/run does the same).
    const icu = ['--template=template0', '--locale-provider=icu', '--icu-locale=en-US'];
    await asOwner('createdb', ['-h', dir, '-U', 'postgres', ...icu, 'testloop']).catch(() =>
      asOwner('createdb', ['-h', dir, '-U', 'postgres', 'testloop']),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgresql://postgres@localhost/testloop?host=${encodeURIComponent(dir)}`, stop };
}
