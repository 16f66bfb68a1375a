/**
 * Shoppers known to have reached an activity's buy limit. Once sk-core answered 1006 (or 1002 on
 * a limit of one) every later attempt of that user is answered here, without a trip through the
 * relay: the winner who keeps clicking costs no Lua step. A user's count falls only when an order
 * expires or is cancelled, which is announced: `forget` then. Each instance learns from its own
 * replies; bounded, past the bound new users are simply relayed as before.
 */
export class BuyLimitsReached {
  private readonly users = new Map<number, Set<number>>();
  private size = 0;

  constructor(private readonly max = 1_000_000) {}

  has(activityId: number, userId: number): boolean {
    return this.users.get(activityId)?.has(userId) ?? false;
  }

  /** The user (or, without one, every user) may buy the activity again. */
  forget(activityId: number, userId?: number): void {
    const users = this.users.get(activityId);
    if (!users) return;
    if (userId === undefined) {
      this.size -= users.size;
      this.users.delete(activityId);
    } else if (users.delete(userId)) {
      this.size--;
    }
  }

  add(activityId: number, userId: number): void {
    if (this.size >= this.max) return;
    let users = this.users.get(activityId);
    if (!users) this.users.set(activityId, (users = new Set()));
    if (users.has(userId)) return;
    users.add(userId);
    this.size++;
  }
}
