export { ORDER_STATUSES, HELD_STATUSES, ORDER_COLUMNS, orderView, heldRecord, toOrder, type Order, type OrderRow, type OrderStatus, type OrderView } from './order.js';
export { OrderStore } from './order-store.js';
export { orderRecordsOf, entryTime, ORDER_FIELD, type StreamEntry } from './order-stream.js';
export { UnitReturns, type UnitReturn } from './unit-returns.js';
export { SaleRestorer, type RestoreOutcome } from './sale-restorer.js';
