// The public API's shapes, as CONTRACT.md defines them (§2–§5).

export interface FieldError {
  field: string;
  message: string;
}

export interface Envelope<T> {
  code: number;
  message: string;
  result?: T;
  errors?: FieldError[];
}

/** `POST /oauth/token`'s answer. */
export interface Grant {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user_id: number;
  roles: string[];
  sign_key: string;
}

export type SaleStatus = 'not_started' | 'on_sale' | 'sold_out' | 'ended' | 'disabled';

/** One entry of `GET /sec/list`. */
export interface SaleActivity {
  activity_id: number;
  product_id: number;
  name: string;
  start_time: string;
  end_time: string;
  status: SaleStatus;
  total: number;
  remaining: number;
}

/** A 1002's `result`. */
export interface Qualification {
  product_id: number;
  activity_id: number;
  user_id: number;
  order_id: string;
  /** ms since epoch */
  pay_by: number;
}

export const ORDER_STATUSES = ['unpaid', 'paid', 'expired', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface Order {
  order_id: string;
  activity_id: number;
  product_id: number;
  user_id: number;
  status: OrderStatus;
  created_at: string;
  pay_by: string;
  paid_at: string | null;
}

/** `GET /admin/activities` entry. */
export interface AdminActivity {
  activity_id: number;
  name: string;
  product_id: number;
  start_time: string;
  end_time: string;
  total: number;
  buy_limit: number;
  buy_rate: number;
  status: 'enabled' | 'disabled';
  pay_window_s: number;
  mirror: 'done' | 'pending';
  sold: number;
  remaining: number;
  orders?: Record<OrderStatus, number>;
}

export interface Reconciliation {
  sold: number;
  held: number;
  drift: number;
}

export interface BlacklistEntry {
  value: string;
  source: string;
  reason: string;
  expires_at: string | null;
  created_by: string | null;
  created_at: string | null;
}

export interface Blacklist {
  users: BlacklistEntry[];
  ips: BlacklistEntry[];
}

export interface OrdersPage {
  orders: Order[];
  next_cursor: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

export interface AuditPage {
  total: number;
  limit: number;
  offset: number;
  entries: AuditEntry[];
}
