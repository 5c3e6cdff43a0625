import { openAiUsage } from '../../usage.js';
import type { StreamOptions, StreamTranslator, Usage } from '../types.js';

/**
 * OpenAI-format streams pass through unchanged, event by event. The gateway asked for the usage
 * chunk; it is read here and forwarded only if the client asked for it too.
 */
export class OpenAiPassThrough implements StreamTranslator {
  contentChunks = 0;
  failed = false;
  private seen: Usage | null = null;

  constructor(private readonly opts: Pick<StreamOptions, 'clientWantsUsage'>) {}

  event(_name: string | null, data: string): string {
    if (data === '[DONE]') return '';
    if (data.includes('"usage":{') || data.includes('"usage": {')) {
      try {
        const chunk = JSON.parse(data) as { usage?: unknown; choices?: unknown[] };
        const u = openAiUsage(chunk.usage);
        if (u) this.seen = u;
        if (
          !this.opts.clientWantsUsage &&
          Array.isArray(chunk.choices) &&
          chunk.choices.length === 0
        )
          return '';
      } catch {
        // forwarded as it came
      }
    } else if (data.startsWith('{"error"')) {
      this.failed = true;
    } else {
      this.contentChunks++;
    }
    return `data: ${data}\n\n`;
  }

  end(): string {
    return 'data: [DONE]\n\n';
  }

  usage(): Usage | null {
    return this.seen;
  }
}
