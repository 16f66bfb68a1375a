/**
 * The server's clock, as this page can know it: never from the browser's wall clock (which may be
 * wrong by hours) but from the `Date` header of each API answer, against the page's monotonic
 * clock (`performance.now()`).
 *
 * A `Date` header says the answer was stamped at a server time of at least that second, somewhere
 * between sending the request and receiving the answer: `date − receivedAt` is a lower bound of
 * the offset between the two clocks. The largest bound seen so far is kept; answers arriving at
 * every phase of the server's second push it to within a round trip of the truth. Being a lower
 * bound, the countdown it gives ends no earlier than the sale starts.
 */
export class ServerClock {
  private offset: number | undefined;

  observe(date: string | null, receivedAt: number): void {
    const stamped = date ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(stamped)) return;
    const bound = stamped - receivedAt;
    if (this.offset === undefined || bound > this.offset) this.offset = bound;
  }

  get known(): boolean {
    return this.offset !== undefined;
  }

  /** The server's time now (ms since epoch); the page's own until an answer came. */
  now(): number {
    return performance.now() + (this.offset ?? performance.timeOrigin);
  }
}

export const serverClock = new ServerClock();
