/**
 * testloop as another project gets it: `npm pack` (which runs `prepare`, the build) and the tarball
 * installed in a fresh project, whose bin, library, declaration files and native dependencies must work.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
};
const work = mkdtempSync(join(tmpdir(), 'testloop-package-'));
const app = join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** npm with the user's cache and nothing inherited from an npm script running this suite. */
function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    },
  });
}

function inApp(command: string, args: string[]) {
  return spawnSync(command, args, { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
}

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'commit.gpgsign=false', ...args], {
    cwd: app,
    encoding: 'utf8',
  });

let packed: string[] = [];

beforeAll(() => {
  // Pack a copy of the sources, so the build `prepare` runs does not replace this checkout's dist/ while
  // other test files run the CLI from it. The copy uses this checkout's installed dev dependencies.
  const source = join(work, 'testloop');
  for (const entry of [
    'package.json',
    'package-lock.json',
    'README.md',
    'tsconfig.json',
    'tsconfig.build.json',
  ])
    cpSync(join(root, entry), join(source, entry));
  for (const entry of [...manifest.files.filter((f) => f !== 'dist'), 'scripts'])
    cpSync(join(root, entry), join(source, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'));
  const [pack] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], source)) as {
    filename: string;
    files: { path: string }[];
  }[];
  packed = pack!.files.map((f) => f.path);

  // A fresh project depending on the tarball, locked to the versions testloop itself is tested with, so
  // the install needs no registry lookups (npm's cache serves the tarballs; the registry only when the
  // cache misses one).
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'app',
      private: true,
      type: 'module',
      scripts: { test: 'node --test' },
      dependencies: { testloop: `file:../${pack!.filename}` },
    }),
  );
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(lockfileFor(`file:../${pack!.filename}`)));
  // better-sqlite3's install script downloads or compiles its native module: the one this checkout's
  // install built (same version, same Node.js) stands in for it, so the test stays offline and fast.
  npm(['ci', '--prefer-offline', '--ignore-scripts'], app);
  const nativeModule = 'better-sqlite3/build/Release/better_sqlite3.node';
  mkdirSync(join(app, 'node_modules', nativeModule, '..'), { recursive: true });
  cpSync(join(root, 'node_modules', nativeModule), join(app, 'node_modules', nativeModule));

  // The project's own history: a base commit, then a change with a coverage report of it.
  writeFileSync(join(app, '.gitignore'), 'node_modules/\ncoverage/\n.testloop/\n');
  mkdirSync(join(app, 'src'));
  mkdirSync(join(app, 'test'));
  writeFileSync(join(app, 'src/add.js'), 'export function add(a, b) {\n  return a + b;\n}\n');
  writeFileSync(
    join(app, 'test/add.test.js'),
    "import { test } from 'node:test';\nimport { add } from '../src/add.js';\n\ntest('adds', () => add(1, 2));\n",
  );
  git('init', '-q', '--initial-branch=main');
  git('add', '-A');
  git('commit', '-qm', 'base');
  git('checkout', '-qb', 'feature');
  writeFileSync(
    join(app, 'src/add.js'),
    'export function add(a, b) {\n  return a + b;\n}\n\nexport function sub(a, b) {\n  return a - b;\n}\n',
  );
  git('commit', '-qam', 'sub');
  mkdirSync(join(app, 'coverage'));
  writeFileSync(
    join(app, 'coverage/lcov.info'),
    'SF:src/add.js\nDA:1,1\nDA:2,1\nDA:5,0\nDA:6,0\nend_of_record\n',
  );
}, 300_000);

/** The lockfile npm writes for a project depending only on testloop, from testloop's own lockfile. */
function lockfileFor(spec: string) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, Record<string, unknown> & { dev?: boolean }>;
  };
  const self = lock.packages['']!;
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { testloop: spec } },
    'node_modules/testloop': {
      version: self.version,
      resolved: spec,
      license: self.license,
      dependencies: self.dependencies,
      bin: self.bin,
      engines: self.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages))
    if (path !== '' && !entry.dev) packages[path] = entry;
  return { name: 'app', lockfileVersion: 3, requires: true, packages };
}

describe('the npm package', () => {
  it('ships the bin, the built chunks and workers, and the declaration files; no tests or examples', () => {
    for (const file of [
      'bin/testloop.js',
      'dist/cli/main.js',
      'dist/index.js',
      'dist/triage/read-attempts-worker.js',
      'dist/runners/vitest-driver.js',
      'dist/types/index.d.ts',
      'package.json',
      'README.md',
    ])
      expect(packed).toContain(file);
    expect(packed.filter((file) => /^(test|examples|bench|node_modules)\//.test(file))).toEqual([]);
  });

  it('runs from a fresh project: npx testloop --version and help', () => {
    expect(inApp('npx', ['--no-install', 'testloop', '--version'])).toMatchObject({
      status: 0,
      stdout: `${manifest.version}\n`,
    });
    const help = inApp('npx', ['--no-install', 'testloop', 'help', 'gaps']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: testloop gaps /);
  });

  it('finds the gaps and selects the tests of a change in that project', () => {
    const gaps = inApp('npx', ['--no-install', 'testloop', 'gaps', '--base', 'main', '--format', 'json']);
    expect(gaps.stderr).toBe('');
    expect(gaps.status).toBe(0);
    expect(JSON.parse(gaps.stdout)).toMatchObject({
      files: [{ path: 'src/add.js', uncoveredLines: [5, 6] }],
      gaps: [{ file: 'src/add.js', kind: 'line', start: 5, end: 6 }],
    });
    // The module graph runs on oxc's native parser and resolver, installed as the package's dependencies.
    const select = inApp('npx', ['--no-install', 'testloop', 'select', 'src/add.js']);
    expect(select).toMatchObject({ status: 0, stdout: 'test/add.test.js\n' });
  });

  it('records a JUnit report and triages the history in the embedded SQLite store', () => {
    writeFileSync(
      join(work, 'junit.xml'),
      '<testsuites><testsuite name="test/add.test.js"><testcase classname="test/add.test.js" name="adds" time="0.01"/></testsuite></testsuites>',
    );
    const ingest = inApp('npx', [
      '--no-install',
      'testloop',
      'ingest',
      join(work, 'junit.xml'),
      '--run-id',
      '1',
    ]);
    expect(ingest.status, ingest.stderr).toBe(0);
    expect(existsSync(join(app, '.testloop/history.db'))).toBe(true);
    const triage = inApp('npx', ['--no-install', 'testloop', 'triage', '--format', 'json']);
    expect(triage.status, triage.stderr).toBe(0);
    expect(JSON.parse(triage.stdout).stats.runs).toBe(1);
  });

  it('gives JavaScript and TypeScript users the library', () => {
    const imported = inApp(process.execPath, [
      '--input-type=module',
      '-e',
      "const t = await import('testloop'); console.log(typeof t.findGaps, typeof t.selectTests, typeof t.runCi);",
    ]);
    expect(imported).toMatchObject({ status: 0, stdout: 'function function function\n' });
    writeFileSync(
      join(app, 'check.ts'),
      "import { type GapsResult, findGaps } from 'testloop';\nconst result: GapsResult = await findGaps({ base: 'main' });\nconst percent: number = result.totals.percent;\nexport { percent };\n",
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const typecheck = inApp(process.execPath, [tsc, '-p', '.']);
    expect(typecheck.stdout + typecheck.stderr).toBe('');
    expect(typecheck.status).toBe(0);
  });
});
