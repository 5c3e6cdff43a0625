/**
 * Requests and tokens per minute, per key, user and team, in fixed one-minute windows (as
 * LiteLLM counts them). Requests count when admitted, so in-flight requests are included;
 * tokens count when the response ends.
 */
export interface RateSubject {
  /** `key:<id>`, `user:<id>`, `team:<id>`. */
  ref: string;
  label: string;
  rpm: number | null;
  tpm: number | null;
}

export interface RateRefusal {
  subject: RateSubject;
  limit: 'rpm' | 'tpm';
  value: number;
  retryAfterSeconds: number;
}

interface Window {
  minute: number;
  requests: number;
  tokens: number;
}

export class RateWindows {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number) {}

  private window(ref: string, minute: number): Window {
    let w = this.windows.get(ref);
    if (!w) {
      w = { minute, requests: 0, tokens: 0 };
      this.windows.set(ref, w);
    } else if (w.minute !== minute) {
      w.minute = minute;
      w.requests = 0;
      w.tokens = 0;
    }
    return w;
  }

  /** Counts the request against every subject, or refuses it without counting anything. */
  admit(subjects: readonly RateSubject[]): RateRefusal | null {
    const now = this.now();
    const minute = Math.floor(now / 60_000);
    const retryAfterSeconds = Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
    const ws: Window[] = [];
    for (const s of subjects) {
      if (s.rpm === null && s.tpm === null) continue;
      const w = this.window(s.ref, minute);
      if (s.rpm !== null && w.requests >= s.rpm)
        return { subject: s, limit: 'rpm', value: s.rpm, retryAfterSeconds };
      if (s.tpm !== null && w.tokens >= s.tpm)
        return { subject: s, limit: 'tpm', value: s.tpm, retryAfterSeconds };
      ws.push(w);
    }
    for (const w of ws) w.requests += 1;
    return null;
  }

  tokens(subjects: readonly RateSubject[], n: number): void {
    if (n <= 0) return;
    const minute = Math.floor(this.now() / 60_000);
    for (const s of subjects) {
      if (s.tpm !== null) this.window(s.ref, minute).tokens += n;
    }
  }
}
