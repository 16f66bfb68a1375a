export {
  ORDER_STATUSES,
  ORDER_COLUMNS,
  heldCount,
  noOrders,
  orderView,
  toOrder,
  type Order,
  type OrderCounts,
  type OrderRow,
  type OrderStatus,
  type OrderView,
} from './order.js';
export { OrderStore } from './order-store.js';
export { UnitReturns, type UnitReturn } from './unit-returns.js';
export { SaleRestorer, type RestoreOutcome } from './sale-restorer.js';
