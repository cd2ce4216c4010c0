/**
 * The sandbox as a library (src/sandbox/): the tree copy, the check of what a use changed in it, and the
 * confinement of commands, on real git repositories and real processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { probeNamespaces } from '../../src/sandbox/probe.ts';
import { TempRepo } from '../helpers/git-repo.ts';

const namespaces = probeNamespaces().namespaces;
let repo: TempRepo;
const opened: Sandbox[] = [];
const open = (options: Partial<Parameters<typeof openSandbox>[0]> = {}): Sandbox => {
  const sandbox = openSandbox({ root: repo.dir, env: { PATH: process.env.PATH, HOME: home }, ...options });
  opened.push(sandbox);
  return sandbox;
};
let home: string;
const repos: TempRepo[] = [];

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'testloop-sandbox-home-'));
  mkdirSync(join(home, '.ssh'));
  writeFileSync(join(home, '.ssh/id_rsa'), 'PRIVATE\n');
});
beforeEach(() => {
  repo = new TempRepo('testloop-sandbox-repo-')
    .write('src/a.js', 'export const a = 1;\n')
    .write('test/a.test.js', '// a test\n')
    .write('src/coverage/map.js', '// a source folder named like runner output\n')
    .write('.gitignore', '.env\nnode_modules/\n');
  repo.commit('tree');
  repos.push(repo);
  writeFileSync(join(repo.dir, 'untracked.txt'), 'not ignored\n');
  writeFileSync(join(repo.dir, '.env'), 'SECRET=1\n');
  mkdirSync(join(repo.dir, 'node_modules/dep'), { recursive: true });
  writeFileSync(join(repo.dir, 'node_modules/dep/index.js'), 'module.exports = 1;\n');
});
// Each open sandbox holds an exit listener that removes it: closed after its test, not all at the end.
afterEach(() => {
  for (const sandbox of opened.splice(0)) sandbox.close();
});
afterAll(() => {
  for (const each of repos) each.remove();
  rmSync(home, { recursive: true, force: true });
});

describe('the tree copy', () => {
  it('holds tracked and untracked files, never .git or ignored ones; node_modules entries are links', () => {
    const sandbox = open({ namespaces: false });
    expect(readFileSync(join(sandbox.root, 'src/a.js'), 'utf8')).toBe('export const a = 1;\n');
    expect(existsSync(join(sandbox.root, 'untracked.txt'))).toBe(true);
    expect(existsSync(join(sandbox.root, '.git'))).toBe(false);
    expect(existsSync(join(sandbox.root, '.env'))).toBe(false);
    expect(lstatSync(join(sandbox.root, 'node_modules')).isDirectory()).toBe(true);
    expect(lstatSync(join(sandbox.root, 'node_modules/dep')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(sandbox.root, 'node_modules/dep/index.js'), 'utf8')).toContain('module.exports');
  });

  it('never shares a file with the checkout: a write into the copy leaves the checkout as it was', () => {
    const sandbox = open({ namespaces: false });
    appendFileSync(join(sandbox.root, 'src/a.js'), '// changed\n');
    expect(readFileSync(join(repo.dir, 'src/a.js'), 'utf8')).toBe('export const a = 1;\n');
    expect(lstatSync(join(sandbox.root, 'src/a.js')).ino).not.toBe(lstatSync(join(repo.dir, 'src/a.js')).ino);
  });
});

describe('the check after a use', () => {
  it('names what was added, changed or deleted, puts the copy back, and lets the own files pass', () => {
    const sandbox = open({ namespaces: false });
    const use = sandbox.begin(['test/a.testloop-1.test.js']);
    writeFileSync(join(sandbox.root, 'test/a.testloop-1.test.js'), '// own\n');
    writeFileSync(join(sandbox.root, 'coverage-out.txt'), 'x');
    appendFileSync(join(sandbox.root, 'src/a.js'), '// pwned\n');
    rmSync(join(sandbox.root, 'test/a.test.js'));
    mkdirSync(join(sandbox.root, 'coverage'));
    writeFileSync(join(sandbox.root, 'coverage/lcov.info'), 'runner output');
    expect(use.end()).toBe(
      'wrote outside its own test file: coverage-out.txt (added), src/a.js (changed), test/a.test.js (deleted)',
    );
    expect(readFileSync(join(sandbox.root, 'src/a.js'), 'utf8')).toBe('export const a = 1;\n');
    expect(readFileSync(join(sandbox.root, 'test/a.test.js'), 'utf8')).toBe('// a test\n');
    expect(existsSync(join(sandbox.root, 'coverage-out.txt'))).toBe(false);
    // Put back: the next use starts clean.
    expect(sandbox.begin([]).end()).toBeUndefined();
  });

  it('a runner output folder takes new files, but a file the tree had there still counts', () => {
    const sandbox = open({ namespaces: false });
    const use = sandbox.begin([]);
    writeFileSync(join(sandbox.root, 'src/coverage/lcov.info'), 'runner output');
    appendFileSync(join(sandbox.root, 'src/coverage/map.js'), '// pwned\n');
    expect(use.end()).toBe('wrote outside its own test file: src/coverage/map.js (changed)');
  });

  it('a change that keeps size and mtime still shows (ctime)', () => {
    const sandbox = open({ namespaces: false });
    const file = join(sandbox.root, 'src/a.js');
    const { mtime } = lstatSync(file);
    const use = sandbox.begin([]);
    writeFileSync(file, 'export const a = 2;\n');
    spawnSync('touch', ['-d', mtime.toISOString(), file]);
    expect(use.end()).toMatch(/src\/a\.js \(changed\)/);
  });

  it('uses under way at the same time all get the breach: any of them may have made it', () => {
    const sandbox = open({ namespaces: false });
    const first = sandbox.begin(['test/one.test.js']);
    const second = sandbox.begin(['test/two.test.js']);
    writeFileSync(join(sandbox.root, 'test/two.test.js'), '// second, its own\n');
    writeFileSync(join(sandbox.root, 'src/evil.js'), '// by someone\n');
    expect(first.end()).toMatch(/src\/evil\.js \(added\)/);
    expect(second.end()).toMatch(/src\/evil\.js \(added\), while this candidate ran too/);
  });

  it('without namespaces, says which protections are missing', () => {
    const sandbox = open({ namespaces: false });
    expect(sandbox.info).toEqual({
      copy: expect.stringMatching(/^(?:reflink|copy)$/),
      network: 'open',
      credentials: 'scrubbed',
      filesystem: 'open',
      processes: 'group',
      reason: 'turned off',
    });
    expect(sandbox.wrap(['node', '-v'])).toEqual(['node', '-v']);
  });
});

describe.runIf(namespaces)('confined commands', () => {
  let host: Server;
  let port = 0;
  beforeAll(async () => {
    host = createServer((socket) => socket.end('host'));
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    port = (host.address() as { port: number }).port;
  });
  afterAll(() => new Promise((resolve) => host.close(resolve)));

  /** Runs a Node script confined; asynchronously, as the host server answers from this process. */
  const run = (sandbox: Sandbox, script: string) => {
    const [command, ...args] = sandbox.wrap([process.execPath, '-e', script]);
    const child = spawn(command!, args, {
      cwd: sandbox.root,
      env: sandbox.env({ PATH: process.env.PATH ?? '' }),
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    return new Promise<{ stdout: string; stderr: string; status: number | null }>((resolve) =>
      child.on('close', (status) => resolve({ stdout, stderr, status })),
    );
  };

  it('a loopback of its own works; the host loopback is out of reach', async () => {
    const sandbox = open();
    expect(sandbox.info).toMatchObject({
      network: 'isolated',
      credentials: 'hidden',
      filesystem: 'read-only',
    });
    const local = await run(
      sandbox,
      "const net = require('net'); const s = net.createServer((c) => c.end('pong')).listen(0, '127.0.0.1', () => net.connect(s.address().port, '127.0.0.1').on('data', (d) => { console.log(String(d)); process.exit(0); }));",
    );
    expect(local.stdout.trim()).toBe('pong');
    const outside = await run(
      sandbox,
      `require('net').connect(${port}, '127.0.0.1').on('data', () => process.exit(0)).on('error', (e) => { console.log(e.code); process.exit(1); });`,
    );
    expect(outside.stdout.trim()).toBe('ECONNREFUSED');
    expect(outside.status).toBe(1);
  });

  it('a path that cannot be hidden turns the namespaces off, and the report says why', () => {
    // The realpath names this process's pid, which does not exist inside a new PID namespace.
    const sandbox = open({ env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: '/proc/self/mountinfo' } });
    expect(sandbox.info).toMatchObject({
      network: 'open',
      credentials: 'scrubbed',
      filesystem: 'open',
      processes: 'group',
      reason: expect.stringMatching(/namespace setup failed for this checkout .*hide \/proc\/\d+\/mountinfo/),
    });
    expect(sandbox.wrap(['node', '-v'])).toEqual(['node', '-v']);
  });

  it('--allow-network keeps the host network', async () => {
    const sandbox = open({ allowNetwork: true });
    expect(sandbox.info.network).toBe('allowed');
    const outside = await run(
      sandbox,
      `require('net').connect(${port}, '127.0.0.1').on('data', (d) => { console.log(String(d)); process.exit(0); });`,
    );
    expect(outside.stdout.trim()).toBe('host');
  });

  it('hides git metadata, the home folder and credential files; writes only into the copy and its temp', async () => {
    repo.git('config', 'http.https://github.com/.extraheader', 'AUTHORIZATION: basic dG9rZW4=');
    const secretFile = join(home, 'gcloud.json');
    writeFileSync(secretFile, '{"private_key": "x"}');
    const sandbox = open({
      env: { PATH: process.env.PATH, HOME: home, GOOGLE_APPLICATION_CREDENTIALS: secretFile },
    });
    const read = (path: string) =>
      `try { console.log(require('fs').readFileSync(${JSON.stringify(path)}, 'utf8')); } catch (e) { console.log(e.code); }`;
    const git = await run(sandbox, read(join(repo.dir, '.git/config')));
    expect(git.stdout.trim(), git.stderr).toBe('ENOENT');
    expect((await run(sandbox, read(join(home, '.ssh/id_rsa')))).stdout.trim()).toBe('ENOENT');
    expect((await run(sandbox, read(secretFile))).stdout.trim()).toBe('ENOENT');
    expect((await run(sandbox, read(join(repo.dir, 'src/a.js')))).stdout.trim()).toBe('export const a = 1;');
    const write = (path: string) =>
      `try { require('fs').writeFileSync(${JSON.stringify(path)}, 'x'); console.log('ok'); } catch (e) { console.log(e.code); }`;
    expect((await run(sandbox, write(join(repo.dir, 'src/a.js')))).stdout.trim()).toBe('EROFS');
    expect((await run(sandbox, write(join(repo.dir, 'node_modules/dep/index.js')))).stdout.trim()).toBe(
      'EROFS',
    );
    expect((await run(sandbox, write(join(tmpdir(), 'escaped.txt')))).stdout.trim()).toBe('EROFS');
    expect((await run(sandbox, write('src/new.js'))).stdout.trim()).toBe('ok');
    expect(
      (
        await run(
          sandbox,
          "require('fs').writeFileSync(require('os').tmpdir() + '/t', 'x'); console.log('ok');",
        )
      ).stdout.trim(),
    ).toBe('ok');
    expect(readFileSync(join(repo.dir, 'src/a.js'), 'utf8')).toBe('export const a = 1;\n');
  });

  it('a file past the size limit fails with EFBIG; a process left behind is named and dies with the run', async () => {
    const sandbox = open({ fileSizeBytes: 1024 * 1024 });
    const big = await run(
      sandbox,
      "try { require('fs').writeFileSync(require('os').tmpdir() + '/big', Buffer.alloc(2 * 1024 * 1024)); } catch (e) { console.log(e.code); }",
    );
    expect(big.stdout.trim()).toBe('EFBIG');
    const stray = await run(
      sandbox,
      "require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'testloop-stray-probe'], { detached: true, stdio: 'ignore' }).unref();",
    );
    expect(stray.stderr).toMatch(/testloop-sandbox: left running after the run: pid \d+ \(node\)/);
    const left = spawnSync('pgrep', ['-f', 'testloop-stray-probe'], { encoding: 'utf8' });
    expect(left.stdout.trim()).toBe('');
  });
});
