-- Every order stored updates each index of `orders`: the unique key leads with the user instead of
-- the activity, so it also finds a shopper's orders, and their own index goes.
ALTER TABLE orders
  DROP INDEX uq_orders_activity_user_seq,
  DROP INDEX ix_orders_user,
  ADD UNIQUE KEY uq_orders_user_activity_seq (user_id, activity_id, seq);
