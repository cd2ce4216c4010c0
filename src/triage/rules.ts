import { INFRA_PATTERNS } from './signatures.ts';
import type { CauseName } from './types.ts';

/** One signature: a line matching `re` supports the cause with `weight` (0..1). */
export interface Signature {
  re: RegExp;
  weight: number;
  /** A fix more precise than the rule's, used when this is the strongest signature seen. */
  fix?: string;
}

/** Line rules over failure messages, stacks and output. Duration, environment and ordering rules live in causes.ts. */
export interface LineRule {
  cause: Exclude<CauseName, 'unknown'>;
  signatures: Signature[];
  fix: string;
}

const NETWORK_STUB =
  'Stub the network in tests: mock external HTTP (msw, nock, undici MockAgent) and point the code at a local fake, so no test depends on another host.';

export const LINE_RULES: readonly LineRule[] = [
  {
    cause: 'timeout',
    signatures: [
      { re: /\b(?:Test|Hook) timed out in \d+ ?ms/i, weight: 0.9 },
      { re: /Exceeded timeout of \d+ ?ms for a (?:test|hook)/i, weight: 0.9 },
      { re: /Timeout - Async callback was not invoked within/i, weight: 0.9 },
      { re: /Timeout of \d+ ?ms exceeded/i, weight: 0.9 },
      { re: /Failed: Timeout >\d/, weight: 0.9 },
      { re: /context deadline exceeded/, weight: 0.8 },
      { re: /\bTimeout(?:Error|Exception)\b/, weight: 0.6 },
      {
        re: /\btimed out\b|\btime-?out (?:after|of|exceeded|expired|reached)\b|\btimeout exceeded\b/i,
        weight: 0.5,
      },
    ],
    fix: 'Find what the test waits on: await the promise or event instead of a fixed delay, drive timer-based code with fake timers (vi.useFakeTimers / jest.useFakeTimers), and raise the timeout (test(name, fn, { timeout })) only for work that is slow by nature.',
  },
  {
    cause: 'async-wait',
    signatures: [
      { re: /Cannot log after tests are done/i, weight: 0.85 },
      { re: /Did you forget to (?:a?wait|return)/i, weight: 0.85 },
      { re: /Timed out in waitFor/, weight: 0.85 },
      { re: /not wrapped in act\(/, weight: 0.8 },
      { re: /Unhandled(?:Promise)?Rejection|Unhandled (?:promise )?rejection/i, weight: 0.7 },
      { re: /This error originated in "[^"]+" test file/, weight: 0.6 },
      { re: /\bafter (?:the )?test (?:has )?(?:finished|completed|ended)\b/i, weight: 0.6 },
    ],
    fix: 'The assertion runs before the async work it checks: await every promise (or return it from the test), replace sleeps with findBy*/waitFor/expect.poll, and flush timers and pending updates (act, vi.runAllTimersAsync) before asserting.',
  },
  {
    cause: 'concurrency',
    signatures: [
      { re: /WARNING: DATA RACE|concurrent map (?:writes|read and map write)/, weight: 0.9 },
      { re: /database is locked|SQLITE_BUSY/, weight: 0.85 },
      { re: /Lock wait timeout exceeded|deadlock detected|\bdeadlock\b/i, weight: 0.85 },
      { re: /ConcurrentModificationException/, weight: 0.85 },
      { re: /could not serialize access|OptimisticLock|version conflict/i, weight: 0.7 },
      { re: /\bEBUSY\b/, weight: 0.7 },
      { re: /\brace condition\b|\brac(?:y|e) between\b/i, weight: 0.6 },
      { re: /\bEEXIST\b/, weight: 0.5 },
    ],
    fix: 'Tests running in parallel share a resource: give each worker its own (a database, schema or temp dir per VITEST_POOL_ID / JEST_WORKER_ID, mkdtemp), serialize access to what must be shared, or run this file sequentially (describe.sequential, --runInBand) until it is isolated.',
  },
  {
    cause: 'order-dependency',
    signatures: [
      { re: /Attempted to wrap \w+ which is already wrapped/, weight: 0.8 },
      { re: /Cannot redefine property/, weight: 0.7 },
      { re: /to be called \d+ times?, but got \d+ times?/, weight: 0.6 },
      { re: /Expected number of calls:\s*\d+/, weight: 0.6 },
      { re: /already (?:been )?(?:registered|defined|declared|initialized|exists)/i, weight: 0.6 },
      { re: /duplicate key value violates unique constraint|UNIQUE constraint failed/, weight: 0.6 },
      {
        re: /\b(?:mockReset|mockClear|mockRestore|restoreAllMocks|clearAllMocks|resetModules)\b/,
        weight: 0.4,
      },
    ],
    fix: 'The test depends on state another test leaves behind: restore mocks and spies after each test (restoreMocks: true in the config, vi.restoreAllMocks in afterEach), rebuild module state (vi.resetModules) and fixtures in beforeEach, and clean shared databases and globals between tests.',
  },
  {
    cause: 'time',
    signatures: [
      { re: /Invalid Date|RangeError: Invalid time value/, weight: 0.75 },
      {
        re: /\b(?:timezone|time zone|getTimezoneOffset|Intl\.DateTimeFormat|toLocale(?:Date|Time)?String|daylight saving)\b|\bTZ=/i,
        weight: 0.7,
      },
      { re: /\bDST\b/, weight: 0.6 },
      { re: /\bleap (?:year|second|day)\b|\bFeb(?:ruary)? 29\b/i, weight: 0.6 },
      { re: /(?:Expected|Received|expected|^[-+]).*\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/, weight: 0.6 },
      { re: /\b(?:Date\.now|new Date)\(/, weight: 0.4 },
      { re: /\b(?:moment|dayjs|date-fns|luxon)\b/, weight: 0.3 },
    ],
    fix: 'The result depends on the clock or the time zone: freeze time (vi.useFakeTimers().setSystemTime(...), jest.setSystemTime), pin the zone for the test run (TZ=UTC) and format dates with an explicit timeZone, and keep tests away from "now" near midnight and month ends.',
  },
  {
    cause: 'randomness',
    signatures: [
      { re: /Property failed after \d+ tests?|Counterexample:|Falsifying example/, weight: 0.8 },
      { re: /\bMath\.random\b/, weight: 0.7 },
      { re: /\bfaker\b/i, weight: 0.6 },
      { re: /\b(?:randomUUID|uuidv4|nanoid|randomInt|randomBytes)\b/, weight: 0.5 },
      { re: /\bshuffle\b/i, weight: 0.5 },
      { re: /\bseed\b/i, weight: 0.4 },
      { re: /\brandom\b/i, weight: 0.4 },
    ],
    fix: 'The input differs from run to run: seed the generator and print the seed on failure (faker.seed(n), fast-check { seed }), inject the random source into the code under test, and assert properties rather than one generated value.',
  },
  {
    cause: 'network',
    signatures: [
      {
        re: /\bEADDRINUSE\b|address already in use/i,
        weight: 0.9,
        fix: 'Two tests or workers bind the same port: listen on port 0 and read the port the system assigned (server.address().port), and close every server in afterAll.',
      },
      {
        re: /\bECONNREFUSED\b/,
        weight: 0.85,
        fix: 'A service the test calls was not listening (yet): start it in globalSetup and wait until it answers (a health check, wait-on) before the tests run, or replace it with a local fake (msw, nock, testcontainers with a wait strategy).',
      },
      {
        re: /\b(?:ENOTFOUND|EAI_AGAIN)\b|getaddrinfo/,
        weight: 0.85,
        fix: 'The test resolves a real host name: mock external HTTP (msw, nock, undici MockAgent) so no test depends on DNS or the internet.',
      },
      {
        re: /\bE(?:SOCKET)?TIMEDOUT\b/,
        weight: 0.8,
        fix: 'A network call timed out: stub the remote service with a local fake, and give the client a short timeout with a retry where the real code needs one.',
      },
      { re: /\bECONNRESET\b|socket hang up/i, weight: 0.75 },
      { re: /\bfetch failed\b|Network request failed|NetworkError/, weight: 0.6 },
      {
        re: /\b(?:502 Bad Gateway|503 Service Unavailable|504 Gateway Time-?out|429 Too Many Requests)\b/,
        weight: 0.6,
      },
    ],
    fix: NETWORK_STUB,
  },
  {
    cause: 'resource-leak',
    signatures: [
      {
        re: /JavaScript heap out of memory|Reached heap limit|Allocation failed|java\.lang\.OutOfMemoryError/,
        weight: 0.85,
        fix: 'Memory grows until the heap runs out: look for caches, listeners and fixtures kept across tests (a module-level array, an unclosed app), release them in afterEach/afterAll, and run with --logHeapUsage (jest) to find the test where it grows.',
      },
      {
        re: /\bEMFILE\b|too many open files/i,
        weight: 0.85,
        fix: 'File descriptors leak: close every stream, watcher, socket and pool the tests open (afterEach/afterAll), and do not create a client per test without closing it.',
      },
      { re: /detected the following \d+ open handles?|open handles? potentially keeping/i, weight: 0.85 },
      { re: /Jest did not exit one second after the test run has completed/, weight: 0.8 },
      { re: /A worker process has failed to exit gracefully/, weight: 0.75 },
      { re: /MaxListenersExceededWarning|possible EventEmitter memory leak/, weight: 0.7 },
      {
        re: /something prevents Vite server from exiting|close timed out after \d+ ?ms|hanging.process/i,
        weight: 0.7,
      },
    ],
    fix: 'Something the tests open is never closed: close servers, database pools, sockets, file handles and intervals in afterEach/afterAll, and find the culprit with --detectOpenHandles (jest) or --reporter=hanging-process (vitest).',
  },
  {
    cause: 'environment',
    signatures: [
      {
        re: /The engine "node" is incompatible|Unsupported engine|requires Node(?:\.js)? (?:version )?[>=^~]*\d+/i,
        weight: 0.7,
      },
      { re: /is not supported on this platform|\bunsupported platform\b/i, weight: 0.7 },
      { re: /ERR_REQUIRE_ESM|ERR_UNKNOWN_FILE_EXTENSION|ERR_UNSUPPORTED_ESM_URL_SCHEME/, weight: 0.6 },
      { re: /\bEPERM\b|\bEACCES\b/, weight: 0.5 },
      { re: /\\r\\n|\bCRLF\b/, weight: 0.5 },
      { re: /Cannot find module ['"][^'"]+['"]/, weight: 0.4 },
    ],
    fix: 'The test assumes one platform or runtime: normalize paths (path.join, path.sep) and line endings, pin the runtime in CI and in package.json#engines, and guard platform-specific cases (test.skipIf(process.platform === "win32")).',
  },
  {
    cause: 'floating-point',
    signatures: [
      { re: /\b\d+\.\d*(?:0{6,}|9{6,})\d+\b/, weight: 0.85 },
      { re: /\b\d+\.\d{12,}\b/, weight: 0.6 },
      { re: /toBeCloseTo|not close to|approximately equal/i, weight: 0.5 },
    ],
    fix: 'Floating-point results are compared exactly: compare with a tolerance (toBeCloseTo, Math.abs(a - b) < epsilon) or compute in integers (cents, basis points) and round only for display.',
  },
  {
    cause: 'unordered-collection',
    signatures: [
      { re: /toIncludeSameMembers|same members|sameMembers/i, weight: 0.5 },
      { re: /\b(?:HashMap|HashSet|Object\.keys|Set iteration|dict order)\b/, weight: 0.3 },
    ],
    fix: 'The test asserts the order of something unordered: sort both sides before comparing or use order-free matchers (expect.arrayContaining plus a length check, toIncludeSameMembers), and add an ORDER BY to queries whose order the code relies on.',
  },
  {
    cause: 'snapshot',
    signatures: [
      { re: /Snapshot [`'"].*[`'"] mismatched/, weight: 0.9 },
      { re: /Received value does not match stored snapshot/, weight: 0.9 },
      { re: /\d+ snapshots? failed|toMatchSnapshot|toMatchInlineSnapshot|toMatchFileSnapshot/, weight: 0.8 },
      { re: /obsolete snapshot/i, weight: 0.5 },
    ],
    fix: 'The snapshot holds values that change between runs: replace them with property matchers (expect.any(Date), expect.any(String)) or a serializer that masks ids, timestamps and paths; update snapshots (-u) only after reading the diff.',
  },
  {
    cause: 'ui-selector',
    signatures: [
      { re: /Timed out retrying after \d+ ?ms: Expected to find element/, weight: 0.9 },
      {
        re: /Unable to find (?:an? )?(?:accessible )?(?:element|role|label)|TestingLibraryElementError/,
        weight: 0.85,
      },
      { re: /strict mode violation/, weight: 0.85 },
      { re: /locator\.\w+: Timeout \d+ ?ms exceeded/, weight: 0.85 },
      {
        re: /element click intercepted|Element is not (?:visible|attached|clickable|stable)|element is not attached to the DOM/i,
        weight: 0.85,
      },
      {
        re: /StaleElementReferenceException|NoSuchElementException|ElementNotInteractableException|ElementClickInterceptedException/,
        weight: 0.85,
      },
      { re: /waiting for (?:selector|locator|getBy)/, weight: 0.8 },
      {
        re: /Screenshot comparison failed|toHaveScreenshot|pixels? \(ratio [\d.]+\) (?:are|is) different/,
        weight: 0.8,
      },
    ],
    fix: 'The page was not ready or the selector is brittle: use role and label locators with web-first assertions that wait (await expect(locator).toBeVisible(), findBy*), wait for the element or the response instead of fixed sleeps, and disable animations in tests.',
  },
  {
    cause: 'infrastructure',
    signatures: [
      ...INFRA_PATTERNS.map((re) => ({ re, weight: 0.9 })),
      { re: /\bSIGKILL\b|\bKilled\b/, weight: 0.6 },
      { re: /The operation was canceled/, weight: 0.6 },
    ],
    fix: 'Not a defect of the test: the CI machine failed under it (killed for memory, lost runner, full disk). Give the job more memory or fewer workers (--maxWorkers, --poolOptions), clean the workspace, and retry the job automatically on infrastructure exit codes.',
  },
];

export const UNKNOWN_FIX =
  'No known flakiness signature in the failure output: rerun it in isolation and in shuffled order (testloop triage --rerun 20) to confirm, and log the inputs and timings around the failing assertion so the next failure says more.';

export const BROKEN_FIX = (since: string): string =>
  `It fails every time since commit ${since.slice(0, 12)}: read that change (git show ${since.slice(0, 12)}), then fix the code or update the test; revert the commit if the fix takes longer.`;
