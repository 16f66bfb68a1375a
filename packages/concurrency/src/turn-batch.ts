/**
 * Collects what is added during one event-loop turn and hands it over in one piece once the
 * turn's I/O callbacks have run (setImmediate): under a crowd, one downstream call per turn
 * instead of one per item.
 */
export class TurnBatch<T> {
  private items: T[] = [];

  constructor(private readonly flush: (items: T[]) => void) {}

  add(item: T): void {
    this.items.push(item);
    if (this.items.length === 1) setImmediate(() => this.hand());
  }

  private hand(): void {
    const items = this.items;
    this.items = [];
    this.flush(items);
  }
}
