import { Codes, SkError } from '@sk/http';
import { orderView, type Order, type OrderStore, type OrderView, type UnitReturns } from '@sk/orders';
import { activityOfOrder, orderRecordSchema, parseJson, type RedisKeys } from '@sk/seckill';
import type { Redis } from '@sk/storage';
import type { PaymentLedger, SettledPayment } from './payments/payment-ledger.js';
import type { PaymentProvider, SignedNotification } from './payments/provider.js';

/** Orders a shopper's list shows, newest first. */
const LIST_LIMIT = 100;

export interface OrderServiceDeps {
  store: OrderStore;
  units: UnitReturns;
  ledger: PaymentLedger;
  provider: PaymentProvider;
  redis: Redis;
  keys: RedisKeys;
}

const notYours = () => new SkError(Codes.NOT_FOUND, 'no such order');

/** A shopper's orders: read, pay, cancel; and the providers' payment notifications. */
export class OrderService {
  constructor(private readonly deps: OrderServiceDeps) {}

  async list(userId: number): Promise<OrderView[]> {
    return (await this.deps.store.ofUser(userId, LIST_LIMIT)).map(orderView);
  }

  async get(userId: number, orderId: string): Promise<OrderView> {
    return orderView(await this.find(userId, orderId));
  }

  /** Pays an unpaid order through the provider; a paid one answers as it is (idempotent). */
  async pay(userId: number, orderId: string): Promise<OrderView> {
    const order = await this.find(userId, orderId);
    if (order.status === 'paid') return orderView(order);
    if (order.status !== 'unpaid' || order.pay_by.getTime() <= Date.now()) throw new SkError(Codes.ORDER_CLOSED);
    const charge = await this.deps.provider.charge(orderId);
    if (charge.notification) await this.notify(charge.notification);
    return this.settled(userId, orderId, 'paid');
  }

  /** Cancels an unpaid order and gives its unit back; a cancelled one answers as it is. */
  async cancel(userId: number, orderId: string): Promise<OrderView> {
    const order = await this.find(userId, orderId);
    if (order.status === 'unpaid' && (await this.deps.store.cancel(orderId, userId))) await this.deps.units.giveBack(order);
    return this.settled(userId, orderId, 'cancelled');
  }

  /** A provider's confirmation: refused unless signed by it, settled once per payment id. */
  async notify(notification: SignedNotification): Promise<SettledPayment> {
    const { provider, ledger, redis, keys } = this.deps;
    const confirmation = provider.confirmationOf(notification);
    if (!confirmation) throw new SkError(Codes.UNAUTHORIZED, 'payment notification not signed by the provider');
    const settled = await ledger.settle(provider.name, confirmation);
    if (settled.outcome === 'captured')
      await redis.zrem(keys.deadlines(activityOfOrder(settled.order_id)), settled.order_id).catch(() => {});
    return settled;
  }

  /** The order after a pay or cancel: in the status asked for, or the refusal its actual status calls for. */
  private async settled(userId: number, orderId: string, wanted: 'paid' | 'cancelled'): Promise<OrderView> {
    const order = await this.find(userId, orderId);
    if (order.status === wanted) return orderView(order);
    throw new SkError(order.status === 'paid' ? Codes.ORDER_PAID : Codes.ORDER_CLOSED);
  }

  /**
   * The caller's order. One made a moment ago may not be in MySQL yet (the writer runs behind the
   * sale by up to a second or two): the sale's own record of it is stored then, as the writer would.
   * Only the caller's own: asking for another's order is a refusal, and a refusal stores nothing.
   */
  private async find(userId: number, orderId: string): Promise<Order> {
    const { store } = this.deps;
    let order = await store.get(orderId);
    if (!order && (await this.storeFromSale(userId, orderId))) order = await store.get(orderId);
    if (!order || order.user_id !== userId) throw notYours();
    return order;
  }

  private async storeFromSale(userId: number, orderId: string): Promise<boolean> {
    const raw = await this.deps.redis.hget(this.deps.keys.quals(activityOfOrder(orderId)), orderId);
    const record = raw === null ? undefined : parseJson(orderRecordSchema, raw);
    if (record?.order_id !== orderId || record.user_id !== userId) return false;
    await this.deps.store.insert([record]);
    return true;
  }
}
