/**
 * What the load-aware strategies route on, per deployment and per process: requests in flight
 * (least-busy) and a moving average of the time to the response's headers (latency-based).
 */
export class DeploymentLoad {
  private readonly busyCount = new Map<string, number>();
  private readonly latency = new Map<string, number>();

  begin(id: string): void {
    this.busyCount.set(id, (this.busyCount.get(id) ?? 0) + 1);
  }

  end(id: string): void {
    const n = (this.busyCount.get(id) ?? 0) - 1;
    if (n > 0) this.busyCount.set(id, n);
    else this.busyCount.delete(id);
  }

  busy(id: string): number {
    return this.busyCount.get(id) ?? 0;
  }

  /** A successful answer's latency; recent ones weigh most, so a slowed deployment shows soon. */
  observe(id: string, ms: number): void {
    const prev = this.latency.get(id);
    this.latency.set(id, prev === undefined ? ms : prev * 0.8 + ms * 0.2);
  }

  /** Null until the deployment has answered once (it is then tried before measured ones). */
  latencyMs(id: string): number | null {
    return this.latency.get(id) ?? null;
  }
}
