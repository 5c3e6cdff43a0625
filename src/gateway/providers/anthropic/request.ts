import { AppError } from '../../../errors/catalogue.js';
import type { ClientBody } from '../types.js';

/** Anthropic requires max_tokens; LiteLLM sends this when the client gives none. */
export const DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface Message {
  role: 'user' | 'assistant';
  content: Block[];
}

const bad = (message: string, param: string) =>
  new AppError('invalid_request', message, [{ path: param, message }]);

function image(url: string): Block {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m) return { type: 'image', source: { type: 'base64', media_type: m[1], data: m[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

function blocks(content: unknown, where: string): Block[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw bad('content must be a string or an array of parts', where);
  return content.map((part: unknown, i) => {
    const p = (part ?? {}) as Record<string, unknown>;
    if (p.type === 'text' && typeof p.text === 'string') return { type: 'text', text: p.text };
    if (p.type === 'image_url') {
      const iu = p.image_url as { url?: unknown } | string | undefined;
      const url = typeof iu === 'string' ? iu : iu?.url;
      if (typeof url === 'string') return image(url);
    }
    throw bad(
      `content part type "${String(p.type)}" is not supported for Anthropic models`,
      `${where}[${i}]`,
    );
  });
}

function text(content: unknown, where: string): string {
  return blocks(content, where)
    .map((b) => (b.type === 'text' ? (b.text as string) : ''))
    .join('');
}

function toolUse(call: unknown, where: string): Block {
  const c = (call ?? {}) as { id?: unknown; function?: { name?: unknown; arguments?: unknown } };
  let input: unknown = {};
  const args = c.function?.arguments;
  if (typeof args === 'string' && args.trim() !== '') {
    try {
      input = JSON.parse(args);
    } catch {
      throw bad('tool call arguments must be JSON', `${where}.function.arguments`);
    }
  }
  return { type: 'tool_use', id: c.id, name: c.function?.name, input };
}

function toolChoice(choice: unknown, parallel: unknown): Block | undefined {
  let out: Block | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (choice && typeof choice === 'object') {
    const name = (choice as { function?: { name?: unknown } }).function?.name;
    if (typeof name === 'string') out = { type: 'tool', name };
  }
  if (parallel === false) out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

/** OpenAI chat completions request → Anthropic Messages request. */
export function toMessagesRequest(body: ClientBody, model: string, stream: boolean): Block {
  if (!Array.isArray(body.messages)) throw bad('messages must be an array', 'messages');
  if (typeof body.n === 'number' && body.n !== 1)
    throw bad('n other than 1 is not supported for Anthropic models', 'n');
  const rf = body.response_format as { type?: unknown } | undefined;
  if (rf && rf.type !== 'text')
    throw bad('response_format is not supported for Anthropic models', 'response_format');
  const system: Block[] = [];
  const messages: Message[] = [];
  const push = (role: Message['role'], content: Block[]) => {
    const last = messages[messages.length - 1];
    // Anthropic wants user and assistant turns to alternate: merge neighbours.
    if (last && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };
  body.messages.forEach((m: unknown, i) => {
    const msg = (m ?? {}) as Record<string, unknown>;
    const where = `messages[${i}]`;
    switch (msg.role) {
      case 'system':
      case 'developer':
        system.push({ type: 'text', text: text(msg.content, `${where}.content`) });
        break;
      case 'user':
        push('user', blocks(msg.content, `${where}.content`));
        break;
      case 'assistant': {
        const calls = Array.isArray(msg.tool_calls) ? msg.tool_calls : [];
        push('assistant', [
          ...blocks(msg.content, `${where}.content`),
          ...calls.map((c, j) => toolUse(c, `${where}.tool_calls[${j}]`)),
        ]);
        break;
      }
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: msg.tool_call_id,
            content: text(msg.content, `${where}.content`),
          },
        ]);
        break;
      default:
        throw bad(`message role "${String(msg.role)}" is not supported`, `${where}.role`);
    }
  });
  const out: Block = {
    model,
    messages,
    max_tokens:
      typeof body.max_tokens === 'number'
        ? body.max_tokens
        : typeof body.max_completion_tokens === 'number'
          ? body.max_completion_tokens
          : DEFAULT_MAX_TOKENS,
  };
  if (system.length > 0) out.system = system;
  if (stream) out.stream = true;
  if (typeof body.temperature === 'number') out.temperature = body.temperature;
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (typeof body.stop === 'string') out.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop)) out.stop_sequences = body.stop;
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  if (Array.isArray(body.tools)) {
    out.tools = body.tools.map((t: unknown) => {
      const f = ((t ?? {}) as { function?: Record<string, unknown> }).function ?? {};
      return {
        name: f.name,
        ...(typeof f.description === 'string' ? { description: f.description } : {}),
        input_schema: f.parameters ?? { type: 'object', properties: {} },
      };
    });
  }
  const tc = toolChoice(body.tool_choice, body.parallel_tool_calls);
  if (tc) out.tool_choice = tc;
  return out;
}
