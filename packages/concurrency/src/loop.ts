/**
 * A background loop: runs `turn` again and again, one at a time, from `start` until `stop`, which
 * resolves once the turn in progress has ended. `turn` handles its own errors (a throw ends the loop).
 */
export class Loop {
  private running = false;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly turn: () => Promise<void>) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = (async () => {
      while (this.running) await this.turn();
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}
