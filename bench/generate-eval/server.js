// The answer server of bench/generate-eval.js: an OpenAI-protocol endpoint on 127.0.0.1 whose replies come
// from a store of answers, one file per prompt, named by the sha256 of the JSON of the request's messages.
//
// --replay (the default): a prompt with no stored answer gets HTTP 500 and is counted in `unknown`; the
// figures of a run are valid only when that count is 0. --record: an unknown prompt is written to
// <pending>/<hash>.md and the request is held open, polling every second until <answers>/<hash>.txt
// appears, so a stand-in for the model can answer while `testloop generate` waits (give it a long
// --llm-timeout). Answers are the reply content exactly as a model would send it (JSON `{"code": …}`, a
// fenced block, or a bare file). Prompt tokens are counted as bench/llm-server.js counts them (~4
// characters per token), so they are an estimate of a real tokenizer's count.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { play, serveOpenAi } from '../llm-server.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The key of a request: sha256 of the JSON of its messages (Chat Completions) or input (Responses). */
export function promptHash(body) {
  const messages = body.messages ?? [body.instructions ?? null, body.input ?? null];
  return createHash('sha256').update(JSON.stringify(messages)).digest('hex').slice(0, 24);
}

/** The prompt as a person reads it: each message under its role. */
export function promptText(body) {
  const parts = (body.messages ?? []).map((m) => {
    const content = Array.isArray(m.content) ? m.content.map((p) => p.text ?? '').join('') : m.content;
    return `<!-- role: ${m.role} -->\n${content}`;
  });
  if (body.instructions) parts.push(`<!-- instructions -->\n${body.instructions}`);
  if (body.input)
    parts.push(
      `<!-- input -->\n${typeof body.input === 'string' ? body.input : JSON.stringify(body.input, null, 2)}`,
    );
  return `${parts.join('\n\n')}\n`;
}

/**
 * Starts the server. `answers` is the store folder; `prompts` keeps every prompt seen (for reading
 * later, not committed); `pending` is where --record puts the prompts waiting for an answer.
 */
export async function startAnswerServer({ answers, prompts, pending, record = false, log = () => {} }) {
  for (const dir of [answers, prompts, pending]) mkdirSync(dir, { recursive: true });
  const stats = { requests: 0, answered: 0, unknown: [], recorded: [] };
  let closed = false;
  const served = await serveOpenAi({
    model: 'stand-in',
    owner: 'geneval',
    async respond(api, body, res) {
      stats.requests++;
      const hash = promptHash(body);
      writeFileSync(join(prompts, `${hash}.md`), promptText(body));
      const answerFile = join(answers, `${hash}.txt`);
      if (!existsSync(answerFile)) {
        if (!record) {
          stats.unknown.push(hash);
          log(`no stored answer for prompt ${hash} (replay)`);
          return [500, `geneval replay: no stored answer for prompt ${hash}; record it first (--record)`];
        }
        stats.recorded.push(hash);
        writeFileSync(join(pending, `${hash}.md`), promptText(body));
        log(`pending ${hash}`);
        while (!existsSync(answerFile)) {
          if (closed || res.destroyed) return;
          await sleep(1000);
        }
        rmSync(join(pending, `${hash}.md`), { force: true });
      }
      const text = readFileSync(answerFile, 'utf8');
      stats.answered++;
      await play(api, body, text, res, 1_000_000, { firstByte: 0, ended: 0, tokens: 0 });
    },
  });
  return {
    url: served.url,
    stats,
    close: () => {
      closed = true;
      return served.close();
    },
  };
}
