// `testloop mcp` timings: tools/list from spawn, and select_tests on the select benchmark's 10,000-module
// monorepo against the CLI's warm `testloop select`. Run alone with `node bench/mcp.js` (after
// `npm run build`) or from bench/run.js (--only=mcp).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { flagsOf, floorMs } from './common.js';
import { ensureMonorepo, PARAMS, pickChanges } from './select.js';

/** tools/list answered this soon after spawn; select_tests at most this much slower than the warm CLI. */
const TARGETS = { toolsListMs: 300, selectOverCliMs: 50 };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A `testloop mcp` process spoken to in newline-delimited JSON-RPC, as every MCP client does over stdio. */
function startServer(bin, cwd) {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'mcp'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  const waiting = new Map();
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const message = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    }
  });
  child.on('exit', (code, signal) => {
    for (const settle of waiting.values())
      settle({ error: { message: `testloop mcp exited (${code ?? signal})` } });
    waiting.clear();
  });
  let id = 0;
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      id++;
      waiting.set(id, (message) =>
        message.error ? reject(new Error(message.error.message)) : resolve(message.result),
      );
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  const notify = (method) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`);
  // The handshake every client starts with; requests follow it.
  const ready = request('initialize', {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'bench', version: '1' },
  }).then(() => notify('notifications/initialized'));
  return { started, ready, request, close: () => child.stdin.end() };
}

async function toolsListFromSpawn(bin, cwd) {
  const server = startServer(bin, cwd);
  await server.ready;
  const { tools } = await server.request('tools/list', {});
  const ms = performance.now() - server.started;
  server.close();
  return { ms, tools: tools.length };
}

function cliSelect(bin, dir, files) {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [bin, 'select', '--format', 'json', ...files.flatMap((f) => ['--changed', f])],
    { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  if (result.status !== 0) throw new Error(`testloop select exited ${result.status}: ${result.stderr}`);
  return { ms: performance.now() - started, tests: JSON.parse(result.stdout).tests.length };
}

export async function main({ flags = {}, log = (m) => process.stderr.write(`bench: ${m}\n`) } = {}) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const bin = join(root, 'bin', 'testloop.js');
  const dir = fileURLToPath(new URL('./.work/select-monorepo/', import.meta.url)).replace(/\/$/, '');
  const runs = Math.max(5, Number(flags['mcp-runs'] ?? 7));
  const repo = ensureMonorepo(dir, join(root, 'node_modules'), PARAMS, log);
  const changes = pickChanges(repo.graph, PARAMS.changes, PARAMS.seed + 1);
  const out = (line = '') => console.log(line);

  log('mcp: tools/list from spawn …');
  await toolsListFromSpawn(bin, dir); // the first start pays for the disk cache
  const lists = [];
  for (let i = 0; i < runs; i++) lists.push(await toolsListFromSpawn(bin, dir));
  const listMs = median(lists.map((l) => l.ms));
  // A loaded machine slows every process start alike: Node's own start, measured in the same run, says how much.
  const floor = floorMs(dir, ['rev-parse', 'HEAD'], runs);

  log('mcp: select_tests against the warm CLI …');
  const server = startServer(bin, dir);
  await server.ready;
  const rows = [];
  for (const change of changes) {
    cliSelect(bin, dir, change.files); // warms the graph cache on disk
    const cli = Array.from({ length: runs }, () => cliSelect(bin, dir, change.files));
    const calls = [];
    for (let i = 0; i < runs + 1; i++) {
      const started = performance.now();
      const result = await server.request('tools/call', {
        name: 'select_tests',
        arguments: { changed: change.files },
      });
      if (result.isError) throw new Error(`select_tests failed: ${result.content[0]?.text}`);
      // The first call of each change is warm on disk but not yet in the server's memory for this change.
      if (i > 0)
        calls.push({
          ms: performance.now() - started,
          tests: result.structuredContent.stats ? result.structuredContent.tests.length : 0,
          total: result.structuredContent.stats.totalTests,
        });
    }
    rows.push({
      change,
      cliMs: median(cli.map((c) => c.ms)),
      mcpMs: median(calls.map((c) => c.ms)),
      tests: cli[0].tests,
    });
  }
  server.close();

  const ms = (v) => `${Math.round(v)}`.padStart(6);
  out('');
  out(
    `mcp: testloop mcp on the select monorepo (${PARAMS.packages * PARAMS.modulesPerPackage} modules), medians of ${runs} runs`,
  );
  out(
    `tools/list from spawn (initialize, initialized, tools/list): ${ms(listMs)} ms (${lists[0].tools} tools; target < ${TARGETS.toolsListMs} ms: ${listMs < TARGETS.toolsListMs ? 'PASS' : 'MISS'}); node -e 0 in the same run: ${ms(floor.node)} ms, so ${ms(listMs - floor.node)} ms over Node's own start`,
  );
  out('');
  out('|  # | kind  | files | selected | CLI warm ms | select_tests ms | difference |');
  out('| -- | ----- | ----- | -------- | ----------- | --------------- | ---------- |');
  for (const [i, r] of rows.entries())
    out(
      `| ${String(i + 1).padStart(2)} | ${r.change.kind.padEnd(5)} | ${String(r.change.files.length).padStart(5)} | ${String(r.tests).padStart(8)} | ${ms(r.cliMs).padStart(11)} | ${ms(r.mcpMs).padStart(15)} | ${ms(r.mcpMs - r.cliMs).padStart(10)} |`,
    );
  const cliMs = median(rows.map((r) => r.cliMs));
  const mcpMs = median(rows.map((r) => r.mcpMs));
  const worst = Math.max(...rows.map((r) => r.mcpMs - r.cliMs));
  out('');
  out(
    `median CLI warm ${ms(cliMs)} ms, select_tests ${ms(mcpMs)} ms (a call to the running server, answer bounded); worst select_tests − CLI ${ms(worst)} ms (target ≤ ${TARGETS.selectOverCliMs} ms: ${worst <= TARGETS.selectOverCliMs ? 'PASS' : 'MISS'})`,
  );
  return { listMs, rows };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  await main({ flags: flagsOf(process.argv.slice(2)) });
