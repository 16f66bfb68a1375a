import { useRef, useState } from 'preact/hooks';
import { Refused } from '../api/http.js';
import { serverClock } from '../api/server-clock.js';
import { Field } from '../shared/field.js';
import { useAction } from '../shared/use-action.js';
import { admin } from './admin.js';

const HOUR_MS = 3_600_000;

/** A product and its sale in one form; the API's refusals shown by field. */
export function CreateForm({ created }: { created: () => void }) {
  const action = useAction();
  const [done, setDone] = useState<string>();
  // The product made by a submit whose activity was refused: the next submit with its name reuses it.
  const product = useRef<{ name: string; id: number } | undefined>(undefined);
  const serverNow = serverClock.now();

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(form.get(name) ?? '');
    const number = (name: string) => (text(name) === '' ? undefined : Number(text(name)));
    setDone(undefined);
    void action.run(async () => {
      const name = text('product_name');
      if (product.current?.name !== name) {
        const made = await admin<{ product_id: number }>('POST', '/admin/products', { name }).catch(renamed({ name: 'product_name' }));
        product.current = { name, id: made.product_id };
      }
      const activity = await admin<{ activity_id: number }>('POST', '/admin/activities', {
        name: text('name'),
        product_id: product.current.id,
        start_time: instant(text('start_time')),
        end_time: instant(text('end_time')),
        total: number('total'),
        buy_limit: number('buy_limit'),
        buy_rate: number('buy_rate'),
        pay_window_s: number('pay_window_s'),
      }).catch(renamed({ product_id: 'product_name' }));
      product.current = undefined;
      setDone(`Created activity #${activity.activity_id}`);
      created();
    });
  };

  const error = (name: string) => action.fields[name];
  return (
    <section aria-labelledby="create-title">
      <h2 id="create-title">New sale</h2>
      <form class="card create" onSubmit={submit} noValidate>
        <Field label="Product name" name="product_name" error={error('product_name')} />
        <Field label="Activity name" name="name" error={error('name')} />
        <Field
          label="Start"
          name="start_time"
          type="datetime-local"
          step={1}
          defaultValue={localInput(serverNow)}
          error={error('start_time')}
        />
        <Field
          label="End"
          name="end_time"
          type="datetime-local"
          step={1}
          defaultValue={localInput(serverNow + HOUR_MS)}
          error={error('end_time')}
        />
        <Field label="Total" name="total" type="number" defaultValue="100" error={error('total')} />
        <Field label="Buy limit" name="buy_limit" type="number" defaultValue="1" error={error('buy_limit')} />
        <Field label="Buy rate" name="buy_rate" type="number" step="any" defaultValue="1" error={error('buy_rate')} />
        <Field label="Pay window (s)" name="pay_window_s" type="number" defaultValue="900" error={error('pay_window_s')} />
        <button type="submit" disabled={action.busy}>
          Create
        </button>
        {action.problem && (
          <p class="problem" role="alert">
            {action.problem}
          </p>
        )}
        {done && <p role="status">{done}</p>}
      </form>
    </section>
  );
}

/** A refusal whose fields are named as the form names them. */
function renamed(names: Record<string, string>) {
  return (err: unknown): never => {
    if (!(err instanceof Refused)) throw err;
    const errors = err.answer.body.errors?.map((e) => ({ ...e, field: names[e.field] ?? e.field }));
    throw new Refused({ ...err.answer, body: { ...err.answer.body, ...(errors ? { errors } : {}) } });
  };
}

/** A datetime-local value (the operator's zone) as ISO-8601; left as typed when it is no date, for the API to refuse. */
function instant(local: string): string | undefined {
  if (local === '') return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

/** `ms` as a datetime-local value, to the second, in the operator's zone. */
function localInput(ms: number): string {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 19);
}
