import type { UpstreamFailure, Usage } from '../types.js';

const num = (v: unknown): number => (typeof v === 'number' && v >= 0 ? v : 0);

export const FINISH: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Anthropic counts cached input apart; OpenAI's prompt_tokens includes it. */
export function anthropicUsage(u: unknown): Usage {
  const o = (u ?? {}) as Record<string, unknown>;
  const read = num(o.cache_read_input_tokens);
  const write = num(o.cache_creation_input_tokens);
  return {
    promptTokens: num(o.input_tokens) + read + write,
    completionTokens: num(o.output_tokens),
    cacheReadTokens: read,
    cacheWriteTokens: write,
  };
}

export function openAiUsageJson(u: Usage): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cacheReadTokens },
  };
}

interface AnthropicMessage {
  id?: string;
  model?: string;
  content?: { type: string; text?: string; id?: string; name?: string; input?: unknown }[];
  stop_reason?: string | null;
  usage?: unknown;
}

/** Anthropic Messages response → OpenAI chat completion. */
export function toChatCompletion(raw: string, created: number): { body: string; usage: Usage } {
  const m = JSON.parse(raw) as AnthropicMessage;
  const content = m.content ?? [];
  const textParts = content.filter((b) => b.type === 'text').map((b) => b.text ?? '');
  const calls = content
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({
      id: b.id,
      type: 'function',
      function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
    }));
  const usage = anthropicUsage(m.usage);
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: textParts.length > 0 ? textParts.join('') : null,
  };
  if (calls.length > 0) message.tool_calls = calls;
  const body = {
    id: m.id,
    object: 'chat.completion',
    created,
    model: m.model,
    choices: [
      {
        index: 0,
        message,
        finish_reason: m.stop_reason ? (FINISH[m.stop_reason] ?? 'stop') : null,
        logprobs: null,
      },
    ],
    usage: openAiUsageJson(usage),
  };
  return { body: JSON.stringify(body), usage };
}

/** `{"type":"error","error":{"type","message"}}`. */
export function anthropicFailure(status: number, raw: string): UpstreamFailure {
  try {
    const e = (JSON.parse(raw) as { error?: { type?: unknown; message?: unknown } }).error;
    if (e && typeof e.message === 'string') {
      return { message: e.message, type: typeof e.type === 'string' ? e.type : null };
    }
  } catch {
    // not JSON
  }
  return { message: raw.slice(0, 200) || `HTTP ${status}`, type: null };
}
