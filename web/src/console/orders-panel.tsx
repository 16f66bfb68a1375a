import { useState } from 'preact/hooks';
import { ORDER_STATUSES, type AdminActivity, type OrdersPage } from '../api/types.js';
import { dateTime } from '../shared/format.js';
import { DataTable } from '../shared/data-table.js';
import { Pager } from '../shared/pager.js';
import { usePoll } from '../shared/use-poll.js';
import { admin } from './admin.js';

const PAGE_SIZE = 20;
const ORDERS_EVERY_MS = 5_000;

/** Orders by activity and status, a page at a time (`/admin/orders`' cursor). */
export function OrdersPanel({ activities }: { activities: AdminActivity[] }) {
  const [filter, setFilter] = useState({ activity_id: '', status: '' });
  // The cursor of each page reached, so "Previous page" can go back.
  const [cursors, setCursors] = useState<string[]>(['']);
  const cursor = cursors[cursors.length - 1] ?? '';
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [name, value] of Object.entries({ ...filter, cursor })) if (value) query.set(name, value);
  const page = usePoll(() => admin<OrdersPage>('GET', `/admin/orders?${query}`), ORDERS_EVERY_MS, [query.toString()]);
  const change = (name: keyof typeof filter) => (event: Event) => {
    setFilter({ ...filter, [name]: (event.currentTarget as HTMLSelectElement).value });
    setCursors(['']);
  };
  const next = page.data?.next_cursor;

  return (
    <section aria-labelledby="orders-title" class="wide">
      <h2 id="orders-title">Orders</h2>
      <div class="card">
        <div class="filters">
          <label>
            Activity
            <select value={filter.activity_id} onChange={change('activity_id')}>
              <option value="">all</option>
              {activities.map((a) => (
                <option key={a.activity_id} value={String(a.activity_id)}>
                  #{a.activity_id} {a.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Status
            <select value={filter.status} onChange={change('status')}>
              <option value="">any</option>
              {ORDER_STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
        </div>
        {page.problem && <p class="problem">{page.problem}</p>}
        <DataTable
          head={['Order', 'Activity', 'User', 'Status', 'Created', 'Pay by', 'Paid']}
          rows={(page.data?.orders ?? []).map((o) => ({
            key: o.order_id,
            cells: [
              o.order_id,
              o.activity_id,
              o.user_id,
              o.status,
              dateTime(o.created_at),
              dateTime(o.pay_by),
              o.paid_at ? dateTime(o.paid_at) : '',
            ],
          }))}
        />
        <Pager
          label="Orders pages"
          previous={cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined}
          next={next ? () => setCursors([...cursors, next]) : undefined}
        />
      </div>
    </section>
  );
}
