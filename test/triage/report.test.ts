import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { renderTriage, slackMessage } from '../../src/report/triage.ts';
import { analyzeAttempts } from '../../src/triage/analyze.ts';
import { runInfoFromEnv } from '../../src/triage/ci-env.ts';
import { postWebhook } from '../../src/triage/notify.ts';
import { pattern } from './build.ts';

const result = analyzeAttempts([
  ...pattern('test/a|b.test.ts › <Cart> & co › adds', 'PRPPFPPRPP', {
    message: 'Error: connect ECONNREFUSED 127.0.0.1:5432',
  }),
  ...pattern('test/c.test.ts › totals', 'PPPPPPPFFF'),
  ...pattern('test/d.test.ts › ok', 'PPPPPPPPPP'),
]);

describe('triage reports', () => {
  it('json is the contract: findings with verdict, runs, failures, flipRate, confidence, causes, impact; and stats', () => {
    const parsed = JSON.parse(renderTriage(result, 'json', { color: false }));
    expect(Object.keys(parsed)).toEqual(['findings', 'stats']);
    expect(parsed.findings[0]).toMatchObject({
      testId: 'test/a|b.test.ts › <Cart> & co › adds',
      verdict: 'flaky',
      runs: 10,
      failures: 3,
      flipRate: expect.any(Number),
      confidence: expect.any(Number),
      causes: [
        {
          cause: 'network',
          score: 0.85,
          evidence: ['Error: connect ECONNREFUSED 127.0.0.1:5432'],
          fix: expect.any(String),
        },
      ],
      impact: { failedPipelines: 1, minutesLost: expect.any(Number), failureRate: 0.3 },
    });
    expect(parsed.stats).toMatchObject({
      runs: 10,
      tests: 3,
      attempts: 32,
      outageRuns: 0,
      flaky: 1,
      broken: 1,
      healthy: 1,
    });
  });

  it('text lists flaky and broken tests with evidence and fix, and counts healthy ones; colors only when asked', () => {
    const text = renderTriage(result, 'text', { color: false });
    expect(text).toMatch(/^testloop triage: 1 flaky, 1 broken, 1 healthy of 3 tests over 10 runs\n/);
    expect(text).toContain('       seen   failed, then passed on retry 1 in run r2 (commit c2)');
    expect(text).toContain('       cause  network 0.85');
    expect(text).toContain('       since  commit c8');
    expect(text).not.toContain('\u001b[');
    expect(renderTriage(result, 'text', { color: true })).toContain('\u001b[33mflaky \u001b[0m');
  });

  it('markdown escapes table cells and HTML', () => {
    const md = renderTriage(result, 'markdown', { color: false });
    expect(md).toContain('| flaky | `test/a\\|b.test.ts › <Cart> & co › adds` | 3/10 |');
    expect(md).toContain(
      '<summary>flaky: <code>test/a|b.test.ts › &lt;Cart&gt; &amp; co › adds</code></summary>',
    );
  });

  it('the Slack message has text and blocks, escaped for mrkdwn', () => {
    const message = slackMessage(result);
    expect(message.text).toBe('testloop triage: 1 flaky, 1 broken, 1 healthy of 3 tests over 10 runs');
    expect(message.blocks).toHaveLength(4);
    expect(JSON.stringify(message.blocks[2])).toContain('`test/a|b.test.ts › &lt;Cart&gt; &amp; co › adds`');
    expect(slackMessage(result, { limit: 1 }).blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '1 more in the full report' }],
    });
  });
});

describe('postWebhook', () => {
  it('reports an HTTP error without the URL path, and never throws', async () => {
    const server = createServer((_req, res) => {
      res.statusCode = 404;
      res.end('no_service');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await postWebhook(`http://127.0.0.1:${port}/services/secret`, { text: 'x' })).toEqual({
        ok: false,
        error: `127.0.0.1:${port} answered 404: no_service`,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await postWebhook('not a url', {})).toEqual({ ok: false, error: 'not a URL' });
    expect(await postWebhook('ftp://example.com/x', {})).toEqual({
      ok: false,
      error: 'unsupported protocol ftp:',
    });
  });

  it('gives up after the timeout', async () => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await postWebhook(`http://127.0.0.1:${port}/hook`, {}, 200)).toEqual({
        ok: false,
        error: `127.0.0.1:${port}: no answer within 200 ms`,
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('run fields from CI variables', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('GitHub Actions, with the OS and Node major in the job so matrix legs stay apart', () => {
    expect(
      runInfoFromEnv(
        {
          GITHUB_ACTIONS: 'true',
          GITHUB_SHA: 'abc',
          GITHUB_REF_NAME: '12/merge',
          GITHUB_HEAD_REF: 'feature',
          GITHUB_RUN_ID: '99',
          GITHUB_RUN_ATTEMPT: '2',
          GITHUB_JOB: 'test',
          RUNNER_OS: 'Linux',
        },
        now,
        '20.19.1',
      ),
    ).toEqual({
      commit: 'abc',
      branch: 'feature',
      runId: '99',
      attempt: 2,
      job: 'test (Linux, node 20)',
      startedAt: '2026-03-01T12:00:00.000Z',
      environment: { os: 'Linux', node: '20.19.1' },
    });
  });

  it('GitLab CI and Buildkite', () => {
    expect(
      runInfoFromEnv(
        {
          GITLAB_CI: 'true',
          CI_COMMIT_SHA: 'def',
          CI_COMMIT_REF_NAME: 'main',
          CI_PIPELINE_ID: '7',
          CI_JOB_NAME: 'unit: [18]',
        },
        now,
      ),
    ).toEqual({
      commit: 'def',
      branch: 'main',
      runId: '7',
      attempt: 1,
      job: 'unit: [18]',
      startedAt: '2026-03-01T12:00:00.000Z',
    });
    expect(
      runInfoFromEnv(
        {
          BUILDKITE: 'true',
          BUILDKITE_COMMIT: 'f00',
          BUILDKITE_BRANCH: 'main',
          BUILDKITE_BUILD_ID: 'b-1',
          BUILDKITE_RETRY_COUNT: '1',
          BUILDKITE_STEP_KEY: 'tests',
        },
        now,
      ),
    ).toEqual({
      commit: 'f00',
      branch: 'main',
      runId: 'b-1',
      attempt: 2,
      job: 'tests',
      startedAt: '2026-03-01T12:00:00.000Z',
    });
    expect(runInfoFromEnv({}, now)).toEqual({ startedAt: '2026-03-01T12:00:00.000Z' });
  });
});
