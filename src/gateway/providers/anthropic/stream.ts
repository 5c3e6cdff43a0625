import type { StreamOptions, StreamTranslator, Usage } from '../types.js';
import { anthropicUsage, FINISH, openAiUsageJson } from './response.js';

interface Event {
  type?: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: unknown };
  content_block?: { type?: string; id?: string; name?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: { output_tokens?: number };
  error?: { type?: string; message?: string };
}

/**
 * Anthropic's stream events → OpenAI chat completion chunks, one chunk per event that carries
 * something for the client, written as soon as the event arrives.
 */
export class AnthropicStream implements StreamTranslator {
  contentChunks = 0;
  failed = false;
  private id = '';
  private model = '';
  private input: Usage | null = null;
  private outputTokens = 0;
  /** Anthropic content block index → OpenAI tool call index. */
  private readonly tools = new Map<number, number>();

  constructor(private readonly opts: StreamOptions) {}

  private chunk(delta: Record<string, unknown>, finish: string | null = null): string {
    return `data: ${JSON.stringify({
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.opts.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    })}\n\n`;
  }

  event(_name: string | null, data: string): string {
    let e: Event;
    try {
      e = JSON.parse(data) as Event;
    } catch {
      return '';
    }
    switch (e.type) {
      case 'message_start':
        this.id = e.message?.id ?? '';
        this.model = e.message?.model ?? '';
        this.input = anthropicUsage(e.message?.usage);
        this.outputTokens = this.input.completionTokens;
        return this.chunk({ role: 'assistant', content: '' });
      case 'content_block_start': {
        const b = e.content_block;
        if (b?.type !== 'tool_use' || e.index === undefined) return '';
        const n = this.tools.size;
        this.tools.set(e.index, n);
        this.contentChunks++;
        return this.chunk({
          tool_calls: [
            { index: n, id: b.id, type: 'function', function: { name: b.name, arguments: '' } },
          ],
        });
      }
      case 'content_block_delta': {
        const d = e.delta;
        if (d?.type === 'text_delta' && d.text) {
          this.contentChunks++;
          return this.chunk({ content: d.text });
        }
        if (d?.type === 'input_json_delta' && e.index !== undefined) {
          const n = this.tools.get(e.index);
          if (n === undefined) return '';
          this.contentChunks++;
          return this.chunk({
            tool_calls: [{ index: n, function: { arguments: d.partial_json ?? '' } }],
          });
        }
        return '';
      }
      case 'message_delta': {
        if (typeof e.usage?.output_tokens === 'number') this.outputTokens = e.usage.output_tokens;
        const reason = e.delta?.stop_reason;
        return reason ? this.chunk({}, FINISH[reason] ?? 'stop') : '';
      }
      case 'message_stop': {
        const u = this.usage();
        if (!this.opts.clientWantsUsage || !u) return '';
        return `data: ${JSON.stringify({
          id: this.id,
          object: 'chat.completion.chunk',
          created: this.opts.created,
          model: this.model,
          choices: [],
          usage: openAiUsageJson(u),
        })}\n\n`;
      }
      case 'error':
        this.failed = true;
        return `data: ${JSON.stringify({
          error: {
            message: e.error?.message ?? 'The model provider failed.',
            type: e.error?.type ?? 'api_error',
            param: null,
            code: 'upstream_error',
          },
        })}\n\n`;
      default:
        return ''; // ping, content_block_stop
    }
  }

  end(): string {
    return 'data: [DONE]\n\n';
  }

  usage(): Usage | null {
    return this.input ? { ...this.input, completionTokens: this.outputTokens } : null;
  }
}
