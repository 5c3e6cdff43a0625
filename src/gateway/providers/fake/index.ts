import { createHash } from 'node:crypto';
import { AppError } from '../../../errors/catalogue.js';
import { openAiUsageJson } from '../anthropic/response.js';
import type { ClientBody, Deployment, Usage } from '../types.js';

/**
 * The built-in `fake/…` provider: answers locally and deterministically, so a new user can try
 * Gatehouse with no provider account. The reply echoes the last user message (or
 * `mock_response`); tokens are counted as words.
 */

const words = (s: string): number => (s.trim() === '' ? 0 : s.trim().split(/\s+/).length);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p: unknown) => {
        const part = p as { type?: unknown; text?: unknown };
        return part?.type === 'text' && typeof part.text === 'string' ? part.text : '';
      })
      .join(' ');
  }
  return '';
}

function messagesOf(body: ClientBody): { role?: unknown; content?: unknown }[] {
  if (!Array.isArray(body.messages)) {
    throw new AppError('invalid_request', 'messages must be an array', [
      { path: 'messages', message: 'must be an array' },
    ]);
  }
  return body.messages as { role?: unknown; content?: unknown }[];
}

export function fakeReply(body: ClientBody, d: Deployment): { text: string; usage: Usage } {
  const messages = messagesOf(body);
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const text = d.mockResponse ?? (textOf(lastUser?.content) || '(nothing to echo)');
  const prompt = messages.reduce((n, m) => n + words(textOf(m.content)), 0);
  return {
    text,
    usage: {
      promptTokens: prompt,
      completionTokens: words(text),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    },
  };
}

export interface FakeMeta {
  id: string;
  created: number;
}

export function fakeCompletion(body: ClientBody, d: Deployment, meta: FakeMeta) {
  const { text, usage } = fakeReply(body, d);
  return {
    usage,
    body: JSON.stringify({
      id: `chatcmpl-${meta.id}`,
      object: 'chat.completion',
      created: meta.created,
      model: d.modelName,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: text },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: openAiUsageJson(usage),
    }),
  };
}

/** The SSE events of a streamed reply, one word per chunk, ending with `[DONE]`. */
export function fakeStream(
  body: ClientBody,
  d: Deployment,
  meta: FakeMeta,
  clientWantsUsage: boolean,
): { events: string[]; usage: Usage } {
  const { text, usage } = fakeReply(body, d);
  const base = {
    id: `chatcmpl-${meta.id}`,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: d.modelName,
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;
  const parts = text.split(/(?<=\s)/);
  const events = [
    chunk({ role: 'assistant', content: '' }, null),
    ...parts.map((p) => chunk({ content: p }, null)),
    chunk({}, 'stop'),
  ];
  if (clientWantsUsage) {
    events.push(
      `data: ${JSON.stringify({ ...base, choices: [], usage: openAiUsageJson(usage) })}\n\n`,
    );
  }
  events.push('data: [DONE]\n\n');
  return { events, usage };
}

/** A unit vector derived from the text's hash: the same input always embeds the same. */
function vector(text: string, dims: number): number[] {
  const out: number[] = [];
  let block = createHash('sha256').update(text).digest();
  for (let i = 0; out.length < dims; i++) {
    if (i > 0 && i % 16 === 0) block = createHash('sha256').update(block).digest();
    out.push(block.readUInt16BE((i % 16) * 2) / 32768 - 1);
  }
  const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0)) || 1;
  return out.map((x) => x / norm);
}

export function fakeEmbeddings(body: ClientBody, d: Deployment) {
  const input = body.input;
  const list = typeof input === 'string' ? [input] : Array.isArray(input) ? input : null;
  if (!list || list.some((x) => typeof x !== 'string')) {
    throw new AppError('invalid_request', 'input must be a string or an array of strings', [
      { path: 'input', message: 'must be a string or an array of strings' },
    ]);
  }
  const dims =
    typeof body.dimensions === 'number' && body.dimensions >= 1 && body.dimensions <= 4096
      ? Math.floor(body.dimensions)
      : 16;
  const prompt = (list as string[]).reduce((n, s) => n + words(s), 0);
  return {
    usage: { promptTokens: prompt, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    body: JSON.stringify({
      object: 'list',
      data: (list as string[]).map((s, index) => ({
        object: 'embedding',
        index,
        embedding: vector(s, dims),
      })),
      model: d.modelName,
      usage: { prompt_tokens: prompt, total_tokens: prompt },
    }),
  };
}
