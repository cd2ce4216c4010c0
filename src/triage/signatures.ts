/**
 * Messages of a CI machine failing under a test (not the test failing): OOM kills, lost runners, full
 * disks, a dead Docker daemon. Shared by the outage detector (run level) and the infrastructure cause.
 */
export const INFRA_PATTERNS: readonly RegExp[] = [
  /\b(?:exit(?:ed with)? code|exit status|code) 137\b/i,
  /\bOOMKilled\b|Out of memory: Killed process|\boom-kill/i,
  /The runner has received a shutdown signal|lost communication with the server|runner system failure|Agent was lost|\bagent lost\b/i,
  /No space left on device|\bENOSPC\b/,
  /Cannot connect to the Docker daemon|docker: Error response from daemon|You have reached your pull rate limit/i,
];

export const INFRASTRUCTURE = new RegExp(INFRA_PATTERNS.map((re) => `(?:${re.source})`).join('|'), 'i');
