import type { Pool } from './mysql.js';

/** Whether MySQL answers, probed every second in the background so `/health` costs no query. */
export class MysqlProbe {
  healthy = false;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    private readonly pool: Pool,
    private readonly intervalMs = 1_000,
  ) {}

  /** Probes once, then keeps probing until `stop`. */
  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      await this.pool.query({ sql: 'SELECT 1', timeout: this.intervalMs });
      this.healthy = true;
    } catch {
      this.healthy = false;
    } finally {
      this.probing = false;
    }
  }
}
