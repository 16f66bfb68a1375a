-- Orders: every qualification (1002) becomes one row, written by sk-order from the activity's order
-- stream. The order id is fixed by the qualification step; both keys make a replayed entry a no-op.
ALTER TABLE activities ADD COLUMN pay_window_s INT UNSIGNED NOT NULL DEFAULT 900;

CREATE TABLE orders (
  order_id VARCHAR(40) NOT NULL PRIMARY KEY,
  activity_id BIGINT UNSIGNED NOT NULL,
  seq BIGINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  product_id BIGINT UNSIGNED NOT NULL,
  nonce VARCHAR(64) NOT NULL,
  token VARCHAR(64) NOT NULL,
  status ENUM('unpaid', 'paid', 'expired', 'cancelled') NOT NULL DEFAULT 'unpaid',
  -- the qualification's time
  created_at DATETIME(3) NOT NULL,
  pay_by DATETIME(3) NOT NULL,
  paid_at DATETIME(3) NULL,
  payment_id VARCHAR(64) NULL,
  -- when it expired or was cancelled
  closed_at DATETIME(3) NULL,
  -- an expired or cancelled order's unit is back in the sale (Redis); until then the sweep retries it
  stock_returned TINYINT(1) NOT NULL DEFAULT 0,
  UNIQUE KEY uq_orders_activity_user_seq (activity_id, user_id, seq),
  KEY ix_orders_user (user_id, created_at),
  -- operators' listings, newest first
  KEY ix_orders_created (created_at, order_id),
  -- due unpaid orders (stock_returned is 0 while unpaid), and closed ones whose unit is not back yet
  KEY ix_orders_due (status, stock_returned, pay_by),
  KEY ix_orders_activity (activity_id, status, created_at)
) ENGINE=InnoDB;

-- Payment confirmations, one per provider payment id (a repeated notification finds its row).
-- `refund_due`: the money came for an order that had expired or been cancelled, or was already paid.
CREATE TABLE payments (
  payment_id VARCHAR(64) NOT NULL PRIMARY KEY,
  order_id VARCHAR(40) NOT NULL,
  provider VARCHAR(32) NOT NULL,
  outcome ENUM('captured', 'refund_due') NOT NULL,
  received_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_payments_outcome (outcome, received_at),
  KEY ix_payments_order (order_id)
) ENGINE=InnoDB;
