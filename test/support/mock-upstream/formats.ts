/**
 * The wire formats the mock speaks, written from the providers' API references: OpenAI chat
 * completions and embeddings (Azure OpenAI uses the same bodies), Anthropic Messages.
 */
export interface MockUsage {
  prompt: number;
  completion: number;
}

export const sse = (data: unknown) =>
  `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
export const namedSse = (event: string, data: unknown) =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function openAiCompletion(model: string, text: string, u: MockUsage) {
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.prompt + u.completion,
    },
  };
}

/** OpenAI's stream: a role chunk, content chunks, a finish chunk, the usage chunk if asked. */
export function openAiStream(
  model: string,
  parts: string[],
  u: MockUsage,
  includeUsage: boolean,
): string[] {
  const base = {
    id: 'chatcmpl-mock',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
  };
  const usageNull = includeUsage ? { usage: null } : {};
  const out = [
    sse({
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      ...usageNull,
    }),
    ...parts.map((p) =>
      sse({
        ...base,
        choices: [{ index: 0, delta: { content: p }, finish_reason: null }],
        ...usageNull,
      }),
    ),
    sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...usageNull }),
  ];
  if (includeUsage) {
    out.push(
      sse({
        ...base,
        choices: [],
        usage: {
          prompt_tokens: u.prompt,
          completion_tokens: u.completion,
          total_tokens: u.prompt + u.completion,
        },
      }),
    );
  }
  out.push(sse('[DONE]'));
  return out;
}

export function openAiEmbeddings(model: string, inputs: string[], u: MockUsage) {
  return {
    object: 'list',
    data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })),
    model,
    usage: { prompt_tokens: u.prompt, total_tokens: u.prompt },
  };
}

export function openAiError(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

export function anthropicMessage(
  model: string,
  text: string,
  u: MockUsage,
  toolUse?: { name: string; input: unknown },
) {
  const content: unknown[] = [{ type: 'text', text }];
  if (toolUse)
    content.push({ type: 'tool_use', id: 'toolu_mock', name: toolUse.name, input: toolUse.input });
  return {
    id: 'msg_mock',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: toolUse ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: u.prompt, output_tokens: u.completion },
  };
}

/** Anthropic's event sequence for a text reply. */
export function anthropicStream(model: string, parts: string[], u: MockUsage): string[] {
  return [
    namedSse('message_start', {
      type: 'message_start',
      message: {
        id: 'msg_mock',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        usage: { input_tokens: u.prompt, output_tokens: 1 },
      },
    }),
    namedSse('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'text', text: '' },
    }),
    namedSse('ping', { type: 'ping' }),
    ...parts.map((p) =>
      namedSse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: p },
      }),
    ),
    namedSse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    namedSse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: u.completion },
    }),
    namedSse('message_stop', { type: 'message_stop' }),
  ];
}

export function anthropicError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}
