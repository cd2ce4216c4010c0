export interface NotifyOutcome {
  ok: boolean;
  /** What went wrong, without the URL's secret path (webhook URLs carry their token). */
  error?: string;
}

/**
 * POSTs a JSON message to a webhook (Slack incoming webhook or compatible). Never throws: a chat outage
 * must not fail the build, so the caller reports `error` on stderr and keeps its exit status.
 */
export async function postWebhook(url: string, payload: unknown, timeoutMs = 10_000): Promise<NotifyOutcome> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, error: 'not a URL' };
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:')
    return { ok: false, error: `unsupported protocol ${target.protocol}` };
  const where = target.host;
  try {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.ok) {
      await response.body?.cancel();
      return { ok: true };
    }
    const body = (await response.text().catch(() => '')).slice(0, 200).trim();
    return { ok: false, error: `${where} answered ${response.status}${body ? `: ${body}` : ''}` };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const detail =
      e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return { ok: false, error: `${where}: ${detail}` };
  }
}
