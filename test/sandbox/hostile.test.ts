/**
 * Hostile candidates: a scripted model over real HTTP writes tests for `clamp` that also attack the machine,
 * and the real validator runs them with vitest in the sandbox. Each must be discarded or contained, and the
 * checkout (tracked and untracked files) must stay byte-for-byte as it was.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTests } from '../../src/generate/pipeline.ts';
import type { GenerateResult } from '../../src/generate/types.ts';
import { probeNamespaces } from '../../src/sandbox/probe.ts';
import { type App, copyFixtureApp } from '../helpers/fixture-app.ts';
import { type OpenAiServer, type RecordedRequest, startOpenAiServer } from '../helpers/openai-server.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/sandbox/', import.meta.url));
const TARGET = 'src/math.js:clamp';
/** A correct test of clamp: what every hostile candidate adds its attack to. */
const CLAMP = `  expect(clamp(-5, 0, 10)).toBe(0);\n  expect(clamp(50, 0, 10)).toBe(10);\n  expect(clamp(5, 0, 10)).toBe(5);\n`;
const candidate = (body: string, imports = '') =>
  `import { expect, it } from 'vitest';\nimport { clamp } from '../src/math.js';\n${imports}\nit('clamps', async () => {\n${body}\n${CLAMP}});\n`;
const fs = "import * as fs from 'node:fs';\nimport * as path from 'node:path';\n";

/**
 * Each case starts vitest a few times in the sandbox: a minute alone, several on a 2-core machine that
 * runs other test files beside this one. A guard against a hang, not a measure of speed.
 */
const CASE_TIMEOUT = 300_000;

const privateTmp = mkdtempSync(join(tmpdir(), 'testloop-hostile-'));
const sharedTmp = process.env.TMPDIR;
process.env.TMPDIR = privateTmp;
const namespaces = probeNamespaces().namespaces;
let server: OpenAiServer;
let hostServer: Server;
let hostPort = 0;
let hostConnections = 0;
let app: App;
let fakeHome: string;
let outside: string;

/** Every file of the checkout but node_modules, with a hash of its bytes (tracked, untracked and ignored). */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(entry.parentPath, entry.name);
    const rel = relative(dir, full);
    if (!entry.isFile() || rel.startsWith('node_modules') || rel.startsWith('.git/')) continue;
    out[rel] = createHash('sha256').update(readFileSync(full)).digest('hex');
  }
  const config = readFileSync(join(dir, '.git/config'), 'utf8');
  out['.git/config'] = createHash('sha256').update(config).digest('hex');
  return out;
}

async function generate(
  code: string,
  extra: Record<string, unknown> = {},
  cwd = app.dir,
): Promise<GenerateResult> {
  server.handler = (_request: RecordedRequest) => ({ reply: { code } });
  return generateTests({
    cwd,
    env: { PATH: process.env.PATH, HOME: fakeHome, TMPDIR: privateTmp },
    targets: [TARGET],
    engine: 'llm',
    llm: { baseUrl: server.url, model: 'scripted' },
    repairs: 0,
    reruns: 2,
    // Room for vitest to start on a busy machine: the time limit itself is tested with its own value.
    runTimeoutMs: 60_000,
    sandboxFileSizeBytes: 8 * 1024 * 1024,
    ...extra,
  });
}

beforeAll(async () => {
  server = await startOpenAiServer();
  hostServer = createServer((socket) => {
    hostConnections++;
    socket.end('secret-from-host');
  });
  await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
  hostPort = (hostServer.address() as { port: number }).port;
  app = copyFixtureApp(FIXTURES, 'math-vitest');
  // What actions/checkout leaves behind with persist-credentials (the default).
  app.git('config', 'http.https://github.com/.extraheader', 'AUTHORIZATION: basic c2VjcmV0LXRva2Vu');
  writeFileSync(join(app.dir, 'notes.txt'), 'untracked, not ignored\n');
  mkdirSync(join(app.dir, 'coverage'));
  writeFileSync(join(app.dir, 'coverage/keep.txt'), 'ignored\n');
  fakeHome = mkdtempSync(join(privateTmp, 'home-'));
  mkdirSync(join(fakeHome, '.ssh'));
  writeFileSync(join(fakeHome, '.ssh/id_ed25519'), 'PRIVATE KEY\n');
  outside = mkdtempSync(join(privateTmp, 'outside-'));
}, CASE_TIMEOUT);

afterAll(async () => {
  await server.close();
  await new Promise((resolve) => hostServer.close(resolve));
  app.remove();
  if (sharedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = sharedTmp;
  rmSync(privateTmp, { recursive: true, force: true });
});

describe('hostile candidates in the sandbox (vitest, validation process)', () => {
  let before: Record<string, string>;
  beforeAll(() => {
    before = fingerprint(app.dir);
  });

  const expectCheckoutUnchanged = () => {
    expect(fingerprint(app.dir)).toEqual(before);
    expect(app.status()).toEqual(['?? notes.txt']);
  };
  const discardedBySandbox = (result: GenerateResult, reason: RegExp) => {
    expect(result.accepted).toEqual([]);
    expect(result.discarded).toEqual([
      { target: TARGET, stage: 'sandbox', reason: expect.stringMatching(reason) },
    ]);
  };

  it(
    'accepts an honest candidate, and reports the protections in force',
    async () => {
      const result = await generate(candidate(''));
      expect(result.accepted.map((a) => a.target)).toEqual([TARGET]);
      expect(result.stats.sandbox).toMatchObject({
        copy: expect.stringMatching(/^(?:reflink|copy)$/),
        network: namespaces ? 'isolated' : 'open',
        credentials: namespaces ? 'hidden' : 'scrubbed',
      });
      expectCheckoutUnchanged();
    },
    CASE_TIMEOUT,
  );

  it(
    'discards a candidate that appends to a source file, and the checkout keeps its bytes',
    async () => {
      for (let run = 0; run < 2; run++) {
        const result = await generate(candidate("  fs.appendFileSync('src/math.js', '\\n// pwned\\n');", fs));
        discardedBySandbox(result, /src\/math\.js \(changed\)/);
      }
      expectCheckoutUnchanged();
    },
    CASE_TIMEOUT,
  );

  it(
    'discards a candidate that deletes the tests folder',
    async () => {
      const result = await generate(candidate("  fs.rmSync('test/math.test.js', { force: true });", fs));
      discardedBySandbox(result, /test\/math\.test\.js \(deleted\)/);
      expectCheckoutUnchanged();
    },
    CASE_TIMEOUT,
  );

  it(
    'never lets a candidate read the git credentials of the checkout',
    async () => {
      const config = JSON.stringify(join(app.dir, '.git/config'));
      const result = await generate(
        candidate(
          `  const copy = fs.existsSync('.git/config') ? fs.readFileSync('.git/config', 'utf8') : '';\n  expect(copy + fs.readFileSync(${config}, 'utf8')).toContain('extraheader');`,
          fs,
        ),
      );
      expect(result.accepted).toEqual([]);
      expectCheckoutUnchanged();
    },
    CASE_TIMEOUT,
  );

  it.runIf(namespaces)(
    'never lets a candidate read ~/.ssh',
    async () => {
      const key = JSON.stringify(join(fakeHome, '.ssh/id_ed25519'));
      const result = await generate(
        candidate(`  expect(fs.readFileSync(${key}, 'utf8')).toContain('PRIVATE');`, fs),
      );
      expect(result.accepted).toEqual([]);
      expect(result.discarded[0]?.reason).toMatch(/ENOENT|EACCES|no such file/);
    },
    CASE_TIMEOUT,
  );

  it.runIf(namespaces)(
    'cuts a candidate off from a server on the host loopback',
    async () => {
      hostConnections = 0;
      const connect = `  const text = await new Promise((resolve, reject) => {\n    const socket = net.connect(${hostPort}, '127.0.0.1');\n    let data = '';\n    socket.on('data', (chunk) => { data += chunk; });\n    socket.on('end', () => resolve(data));\n    socket.on('error', reject);\n  });\n  expect(text).toBe('secret-from-host');`;
      const result = await generate(candidate(connect, "import * as net from 'node:net';\n"));
      expect(result.accepted).toEqual([]);
      expect(result.discarded[0]?.reason).toMatch(/ECONNREFUSED/);
      expect(hostConnections).toBe(0);
    },
    CASE_TIMEOUT,
  );

  it(
    'with allowNetwork, the same candidate reaches the host, and the report says so',
    async () => {
      hostConnections = 0;
      const connect = `  const text = await new Promise((resolve, reject) => {\n    const socket = net.connect(${hostPort}, '127.0.0.1');\n    let data = '';\n    socket.on('data', (chunk) => { data += chunk; });\n    socket.on('end', () => resolve(data));\n    socket.on('error', reject);\n  });\n  expect(text).toBe('secret-from-host');`;
      const result = await generate(candidate(connect, "import * as net from 'node:net';\n"), {
        allowNetwork: true,
      });
      expect(result.accepted.map((a) => a.target)).toEqual([TARGET]);
      expect(result.stats.sandbox?.network).toBe('allowed');
      expect(hostConnections).toBeGreaterThan(0);
    },
    CASE_TIMEOUT,
  );

  it.runIf(namespaces)(
    'keeps a loopback of its own: a test that starts a local server passes',
    async () => {
      const local = `  const server = net.createServer((socket) => socket.end('pong'));\n  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));\n  const text = await new Promise((resolve, reject) => {\n    const socket = net.connect(server.address().port, '127.0.0.1');\n    let data = '';\n    socket.on('data', (chunk) => { data += chunk; });\n    socket.on('end', () => resolve(data));\n    socket.on('error', reject);\n  });\n  server.close();\n  expect(text).toBe('pong');`;
      const result = await generate(candidate(local, "import * as net from 'node:net';\n"));
      expect(result.accepted.map((a) => a.target)).toEqual([TARGET]);
    },
    CASE_TIMEOUT,
  );

  it.runIf(namespaces)(
    'refuses writes outside the repository; its own temp folder works',
    async () => {
      const target = JSON.stringify(join(outside, 'escaped.txt'));
      const own = "  fs.writeFileSync(path.join(os.tmpdir(), 'own.txt'), 'mine');\n";
      const escaped = await generate(
        candidate(`${own}  fs.writeFileSync(${target}, 'escaped');`, `${fs}import * as os from 'node:os';\n`),
      );
      expect(escaped.accepted).toEqual([]);
      expect(escaped.discarded[0]?.reason).toMatch(/EROFS|read-only/i);
      expect(existsSync(join(outside, 'escaped.txt'))).toBe(false);
      const inTemp = await generate(candidate(own, `${fs}import * as os from 'node:os';\n`));
      expect(inTemp.accepted.map((a) => a.target)).toEqual([TARGET]);
      expectCheckoutUnchanged();
    },
    CASE_TIMEOUT,
  );

  it.runIf(namespaces)(
    'kills and reports a process that outlives the run',
    async () => {
      const marker = `testloop-stray-${process.pid}`;
      const spawnLong = `  spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', '${marker}'], { detached: true, stdio: 'ignore' }).unref();`;
      const result = await generate(candidate(spawnLong, "import { spawn } from 'node:child_process';\n"));
      discardedBySandbox(result, /left a process running/);
      const alive = readdirSync('/proc').filter((pid) => {
        try {
          return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
        } catch {
          return false;
        }
      });
      expect(alive).toEqual([]);
    },
    CASE_TIMEOUT,
  );

  it(
    'stops an infinite loop at the time limit',
    async () => {
      const result = await generate(candidate('  while (true) {}'), { runTimeoutMs: 5_000 });
      expect(result.accepted).toEqual([]);
      expect(result.discarded[0]?.reason).toMatch(/timed out/);
      expectCheckoutUnchanged();
    },
    CASE_TIMEOUT,
  );

  it.runIf(namespaces)(
    'stops a candidate filling the disk at the size limit',
    async () => {
      const fill =
        "  const chunk = Buffer.alloc(1024 * 1024, 1);\n  for (let i = 0; i < 64; i++) fs.appendFileSync(path.join(os.tmpdir(), 'fill.bin'), chunk);";
      const result = await generate(candidate(fill, `${fs}import * as os from 'node:os';\n`));
      discardedBySandbox(result, /size limit/);
      expectCheckoutUnchanged();
    },
    CASE_TIMEOUT,
  );
});

describe('hostile candidates in the sandbox (node:test, a runner process per run)', () => {
  let nodeApp: App;
  let before: Record<string, string>;
  const nodeCandidate = (body: string, imports = '') =>
    `import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { clamp } from '../src/math.js';\n${imports}\ntest('clamps', async () => {\n${body}\n  assert.equal(clamp(-5, 0, 10), 0);\n  assert.equal(clamp(50, 0, 10), 10);\n  assert.equal(clamp(5, 0, 10), 5);\n});\n`;
  const run = (code: string) => generate(code, {}, nodeApp.dir);
  beforeAll(() => {
    nodeApp = copyFixtureApp(FIXTURES, 'math-node');
    before = fingerprint(nodeApp.dir);
  });
  afterAll(() => nodeApp.remove());

  it(
    'accepts an honest candidate and discards one that appends to a source file',
    async () => {
      const honest = await run(nodeCandidate(''));
      expect(honest.accepted.map((a) => a.target)).toEqual([TARGET]);
      const append = await run(nodeCandidate("  fs.appendFileSync('src/math.js', '// pwned\\n');", fs));
      expect(append.discarded).toEqual([
        { target: TARGET, stage: 'sandbox', reason: expect.stringMatching(/src\/math\.js \(changed\)/) },
      ]);
      expect(fingerprint(nodeApp.dir)).toEqual(before);
    },
    CASE_TIMEOUT,
  );

  it.runIf(namespaces)(
    'kills and reports a process that outlives the run; no host network',
    async () => {
      const spawnLong =
        "  spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { detached: true, stdio: 'ignore' }).unref();";
      const stray = await run(nodeCandidate(spawnLong, "import { spawn } from 'node:child_process';\n"));
      expect(stray.discarded).toEqual([
        { target: TARGET, stage: 'sandbox', reason: expect.stringMatching(/left a process running/) },
      ]);
      hostConnections = 0;
      const connect = `  await new Promise((resolve, reject) => net.connect(${hostPort}, '127.0.0.1').on('data', resolve).on('error', reject));`;
      const network = await run(nodeCandidate(connect, "import * as net from 'node:net';\n"));
      expect(network.accepted).toEqual([]);
      expect(hostConnections).toBe(0);
      expect(fingerprint(nodeApp.dir)).toEqual(before);
    },
    CASE_TIMEOUT,
  );
});
