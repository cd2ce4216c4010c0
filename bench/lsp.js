// `testloop lsp --stdio` timings on the select benchmark's 10,000-module monorepo: start-up (spawn →
// initialize result → first diagnostics of the open file) and a warm save (didSave → publishDiagnostics).
// Run alone with `node bench/lsp.js` (after `npm run build`) or from bench/run.js (--only=lsp).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import protocol from 'vscode-languageserver-protocol/node';
import { flagsOf } from './common.js';
import { ensureMonorepo, PARAMS, pickChanges } from './select.js';

const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = protocol;

/** A save's diagnostics within this many ms of didSave. */
const TARGETS = { saveMs: 300 };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * An lcov report of every module, each line run once (what the server reads and maps at start-up), and
 * for `changed` also the lines the benchmark's edit adds, never run: the edit then has hints to publish.
 */
function ensureLcov(dir, graph, path, key, changed) {
  const stamp = `${path}.key`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return;
  const out = ['TN:'];
  for (const module of graph.modules) {
    const lines = readFileSync(join(dir, module.path), 'utf8').split('\n').length;
    out.push(`SF:${module.path}`);
    for (let line = 1; line < lines; line++) out.push(`DA:${line},1`);
    if (module.path === changed) for (let line = lines; line < lines + 6; line++) out.push(`DA:${line},0`);
    out.push('end_of_record');
  }
  writeFileSync(path, `${out.join('\n')}\n`);
  writeFileSync(stamp, key);
}

/**
 * CPU time the process has used so far (user + system, its git children not included), from /proc: on a
 * loaded machine the wall times grow with the load, this much less. Undefined where there is no /proc.
 */
function cpuMsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** A server started from the built bin, spoken to through the protocol library's client side. */
function startServer(bin, cwd) {
  const child = spawn(process.execPath, [bin, 'lsp', '--stdio'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  const connection = createProtocolConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const waiting = new Map();
  // Timed the moment they arrive: a save's graph refresh starts right after its diagnostics.
  connection.onNotification('textDocument/publishDiagnostics', ({ uri, diagnostics }) => {
    waiting.get(uri)?.({ diagnostics, at: performance.now(), cpuMs: cpuMsOf(child.pid) });
    waiting.delete(uri);
  });
  let lensRefreshed = () => {};
  connection.onRequest('workspace/codeLens/refresh', () => {
    lensRefreshed();
    return null;
  });
  connection.onNotification('window/showMessage', ({ message }) =>
    process.stderr.write(`bench: lsp: ${message}\n`),
  );
  connection.listen();
  const diagnostics = (uri) => new Promise((resolve) => waiting.set(uri, resolve));
  /** Resolves when the server next asks for the lenses again: after a save, its graph is refreshed. */
  const lensesRefreshed = () =>
    new Promise((resolve) => {
      lensRefreshed = resolve;
    });
  const close = async () => {
    await connection.sendRequest('shutdown').catch(() => {});
    await connection.sendNotification('exit').catch(() => {});
    connection.dispose();
    child.stdin.end();
  };
  return { connection, diagnostics, lensesRefreshed, close, cpuMs: () => cpuMsOf(child.pid) };
}

/** Spawn → initialize → the open file's first diagnostics, timed from the spawn. */
async function openSession(bin, dir, uri, text, initializationOptions) {
  const started = performance.now();
  const server = startServer(bin, dir);
  await server.connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    capabilities: { workspace: { codeLens: { refreshSupport: true } } },
    initializationOptions,
  });
  const initialized = performance.now();
  await server.connection.sendNotification('initialized', {});
  const first = server.diagnostics(uri);
  await server.connection.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'typescript', version: 1, text },
  });
  const { diagnostics, at, cpuMs } = await first;
  const timings = {
    initializeMs: initialized - started,
    diagnosticsMs: at - started,
    cpuMs,
    count: diagnostics.length,
  };
  return { server, timings };
}

export async function main({ flags = {}, log = (m) => process.stderr.write(`bench: ${m}\n`) } = {}) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const bin = join(root, 'bin', 'testloop.js');
  const dir = fileURLToPath(new URL('./.work/select-monorepo/', import.meta.url)).replace(/\/$/, '');
  const lcov = fileURLToPath(new URL('./.work/lsp-lcov.info', import.meta.url));
  const runs = Math.max(5, Number(flags['lsp-runs'] ?? 7));
  const repo = ensureMonorepo(dir, join(root, 'node_modules'), PARAMS, log);
  // A hub module (many importers): its lenses and affected tests are the most work.
  const file = pickChanges(repo.graph, 2, PARAMS.seed + 2)[1].files[0];
  ensureLcov(dir, repo.graph, lcov, `${repo.key} ${file}`, file);
  const uri = pathToFileURL(join(dir, file)).href;
  const original = readFileSync(join(dir, file), 'utf8');
  const edit = (n) =>
    `${original}\nexport function benchAdded${n}(x: number): number {\n  return x + ${n};\n}\n`;
  const init = { base: 'HEAD', coverage: [lcov] };
  const out = (line = '') => console.log(line);
  writeFileSync(join(dir, file), edit(0));
  try {
    log(`lsp: start-up on ${file} …`);
    const startups = [];
    for (let i = 0; i < runs + 1; i++) {
      const { server, timings } = await openSession(bin, dir, uri, edit(0), init);
      await server.close();
      // The first start pays for the graph cache on disk; the rest start as an editor does on a warm tree.
      if (i > 0) startups.push(timings);
    }

    log('lsp: warm saves …');
    const { server } = await openSession(bin, dir, uri, edit(0), init);
    // The lenses wait for the graph: once they answer, the server is warm.
    await server.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } });
    const lensTimes = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await server.connection.sendRequest('textDocument/codeLens', { textDocument: { uri } });
      lensTimes.push(performance.now() - started);
    }
    const saves = [];
    for (let i = 1; i <= runs; i++) {
      writeFileSync(join(dir, file), edit(i));
      const cpuBefore = server.cpuMs();
      const started = performance.now();
      const published = server.diagnostics(uri);
      const refreshed = server.lensesRefreshed();
      await server.connection.sendNotification('textDocument/didSave', { textDocument: { uri } });
      const { diagnostics, at, cpuMs } = await published;
      saves.push({ ms: at - started, cpuMs: cpuMs - cpuBefore, count: diagnostics.length });
      // An editor saves seconds apart: the graph refresh a save starts ends before the next save.
      await refreshed;
    }
    await server.close();

    const ms = (v) => `${Math.round(v)}`.padStart(5);
    const saveMs = median(saves.map((s) => s.ms));
    out('');
    out(
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${availableParallelism()} cores`,
    );
    out(
      `lsp: testloop lsp --stdio on the select monorepo (${PARAMS.packages * PARAMS.modulesPerPackage} modules, lcov of every module), ${file} changed; medians of ${runs} runs`,
    );
    out(
      `start-up: spawn → initialize result ${ms(median(startups.map((s) => s.initializeMs)))} ms; spawn → first diagnostics ${ms(median(startups.map((s) => s.diagnosticsMs)))} ms (${startups[0].count} hints); server CPU to first diagnostics ${ms(median(startups.map((s) => s.cpuMs)))} ms`,
    );
    out(
      `warm save: didSave → publishDiagnostics ${ms(saveMs)} ms (min ${ms(Math.min(...saves.map((s) => s.ms)))}, max ${ms(Math.max(...saves.map((s) => s.ms)))}; target ≤ ${TARGETS.saveMs} ms: ${saveMs <= TARGETS.saveMs ? 'PASS' : 'MISS'}); server CPU per save ${ms(median(saves.map((s) => s.cpuMs)))} ms (git's diff not included)`,
    );
    out(`warm lenses (every function's coverage and affected tests): ${ms(median(lensTimes))} ms`);
    return { startups, saves, lensTimes };
  } finally {
    writeFileSync(join(dir, file), original);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await main({ flags: flagsOf(process.argv.slice(2)) });
