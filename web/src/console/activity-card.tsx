import type { AdminActivity } from '../api/types.js';
import { dateTime } from '../shared/format.js';
import { STATUS_WORDS, statusAt } from '../shared/phase.js';
import { Field } from '../shared/field.js';
import { useAction } from '../shared/use-action.js';
import { admin } from './admin.js';
import { ReconciliationBox } from './reconciliation-box.js';

interface Props {
  activity: AdminActivity;
  /** Server time. */
  now: number;
  /** Reloads the activities after a change. */
  changed: () => void;
}

/** One activity's live figures, and what an operator may change in it. */
export function ActivityCard({ activity: a, now, changed }: Props) {
  const toggle = useAction();
  const stock = useAction();
  const payWindow = useAction();
  const patch = (changes: object) => admin('PATCH', `/admin/activities/${a.activity_id}`, changes).then(changed);
  const status = statusAt({ ...a, status: a.status === 'disabled' ? 'disabled' : a.remaining === 0 ? 'sold_out' : 'not_started' }, now);
  const addStock = (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const units = Number(new FormData(form).get('units'));
    void stock.run(() => patch({ total: a.total + units })).then((ok) => ok && form.reset());
  };
  const savePayWindow = (event: SubmitEvent) => {
    event.preventDefault();
    const seconds = Number(new FormData(event.currentTarget as HTMLFormElement).get('pay_window_s'));
    void payWindow.run(() => patch({ pay_window_s: seconds }));
  };

  const titleId = `activity-${a.activity_id}`;
  const stats: [string, string, string | number][] = [
    ['total', 'Total', a.total],
    ['sold', 'Sold', a.sold],
    ['remaining', 'Remaining', a.remaining],
    ...(['unpaid', 'paid', 'expired', 'cancelled'] as const).map((s): [string, string, string | number] => [
      s,
      `Orders ${s}`,
      a.orders?.[s] ?? '—',
    ]),
    ['buy_limit', 'Buy limit', a.buy_limit],
    ['pay_window_s', 'Pay window', `${a.pay_window_s} s`],
  ];
  return (
    <article class={`card activity ${status}`} aria-labelledby={titleId}>
      <h3 id={titleId}>{a.name}</h3>
      <p class="meta">
        <span class="badge">{STATUS_WORDS[status]}</span> #{a.activity_id} · product {a.product_id} · {dateTime(a.start_time)} →{' '}
        {dateTime(a.end_time)}
        {a.mirror === 'pending' && ' · not yet live everywhere'}
      </p>
      <dl class="stats">
        {stats.map(([key, label, value]) => (
          <div key={key}>
            <dt>{label}</dt>
            <dd data-stat={key}>{value}</dd>
          </div>
        ))}
      </dl>
      <div class="actions">
        <button
          type="button"
          disabled={toggle.busy}
          onClick={() => void toggle.run(() => patch({ status: a.status === 'disabled' ? 'enabled' : 'disabled' }))}
        >
          {a.status === 'disabled' ? 'Enable' : 'Disable'}
        </button>
        {toggle.problem && <span class="problem">{toggle.problem}</span>}
        <form class="inline" onSubmit={addStock}>
          <Field label="Units to add" name="units" type="number" min={1} step={1} required error={stock.fields.total ?? stock.problem} />
          <button type="submit" disabled={stock.busy}>
            Add stock
          </button>
        </form>
        <form class="inline" onSubmit={savePayWindow} noValidate>
          <Field
            label="Pay window (s)"
            name="pay_window_s"
            type="number"
            defaultValue={String(a.pay_window_s)}
            error={payWindow.fields.pay_window_s ?? payWindow.problem}
          />
          <button type="submit" disabled={payWindow.busy}>
            Save pay window
          </button>
        </form>
      </div>
      <ReconciliationBox activityId={a.activity_id} />
    </article>
  );
}
