/**
 * Deployment health for routing: a deployment that fails more than `allowedFails` times in a
 * minute, or answers 429, cools down and receives no traffic until the cooldown ends. As in
 * LiteLLM, the only deployment of a model is never cooled down (there is nowhere else to go).
 */
export interface HealthConfig {
  allowedFails: number;
  cooldownMs: number;
}

interface State {
  minute: number;
  fails: number;
  coolUntil: number;
}

export class DeploymentHealth {
  private readonly state = new Map<string, State>();

  constructor(
    private readonly cfg: HealthConfig,
    private readonly now: () => number,
  ) {}

  /** Epoch ms until which the deployment is cooling down, or 0. */
  coolingUntil(id: string): number {
    const s = this.state.get(id);
    return s && s.coolUntil > this.now() ? s.coolUntil : 0;
  }

  available(id: string): boolean {
    return this.coolingUntil(id) === 0;
  }

  failure(id: string, groupSize: number, rateLimitedForMs: number | null): void {
    if (groupSize <= 1) return;
    const now = this.now();
    const minute = Math.floor(now / 60_000);
    let s = this.state.get(id);
    if (!s) {
      s = { minute, fails: 0, coolUntil: 0 };
      this.state.set(id, s);
    }
    if (s.minute !== minute) {
      s.minute = minute;
      s.fails = 0;
    }
    s.fails += 1;
    if (rateLimitedForMs !== null) {
      s.coolUntil = Math.max(s.coolUntil, now + Math.max(rateLimitedForMs, this.cfg.cooldownMs));
    } else if (s.fails > this.cfg.allowedFails) {
      s.coolUntil = Math.max(s.coolUntil, now + this.cfg.cooldownMs);
    }
  }
}
