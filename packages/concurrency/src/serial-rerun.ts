/**
 * Runs an async task one at a time (a reload, a reconciliation pass). A call while a run is under
 * way starts no second one: it asks for one more run after it, however many calls came, and shares
 * its promise, so whatever prompted the call is seen by a run that began after it, even when the
 * run under way fails. The shared promise rejects only when the last run failed.
 */
export class SerialRerun {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    /** Checked before each further run; false ends the series (e.g. once stopped). */
    private readonly keepGoing: () => boolean = () => true,
  ) {}

  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let failure: { err: unknown } | undefined;
      do {
        this.again = false;
        // A failed run still owes the runs asked for during it: what prompted them came after it began.
        try {
          await this.task();
          failure = undefined;
        } catch (err) {
          failure = { err };
        }
      } while (this.again && this.keepGoing());
      // In the same step as the last look at `again` (a `.finally` would leave microtasks between
      // them, in which a call would be folded into a run that never comes).
      this.running = null;
      if (failure) throw failure.err;
    })();
    return this.running;
  }

  /** Resolves once no run is under way, whether the last one succeeded or not. */
  async idle(): Promise<void> {
    await this.running?.catch(() => {});
  }
}
