import type { Blacklist, BlacklistEntry } from '../api/types.js';
import { Field } from '../shared/field.js';
import { dateTime } from '../shared/format.js';
import { useAction, type Action } from '../shared/use-action.js';
import { usePoll } from '../shared/use-poll.js';
import { admin } from './admin.js';

// Automatic bans come and go on their own: looked at again now and then.
const BLACKLIST_EVERY_MS = 5_000;

const KINDS = {
  users: { field: 'user_id', label: 'User ID', ban: 'Ban user', noun: 'user' },
  ips: { field: 'ip', label: 'IP address', ban: 'Ban IP', noun: 'IP' },
} as const;
type Kind = keyof typeof KINDS;

/** Banned users and addresses: add, remove. */
export function BlacklistPanel() {
  const list = usePoll(() => admin<Blacklist>('GET', '/admin/blacklist'), BLACKLIST_EVERY_MS);
  const removal = useAction();
  const remove = (kind: Kind, value: string) =>
    void removal.run(() => admin('DELETE', `/admin/blacklist/${kind}/${encodeURIComponent(value)}`)).then(list.refresh);

  return (
    <section aria-labelledby="blacklist-title">
      <h2 id="blacklist-title">Blacklist</h2>
      <div class="card">
        {(Object.keys(KINDS) as Kind[]).map((kind) => (
          <div key={kind} class="blacklist">
            <BanForm kind={kind} banned={list.refresh} />
            <ul>
              {list.data?.[kind].map((entry) => (
                <li key={entry.value}>
                  <Entry kind={kind} entry={entry} />
                  <button
                    type="button"
                    class="link"
                    aria-label={`Remove ${KINDS[kind].noun} ${entry.value}`}
                    disabled={removal.busy}
                    onClick={() => remove(kind, entry.value)}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ))}
        <Problem action={removal} />
      </div>
    </section>
  );
}

function BanForm({ kind, banned }: { kind: Kind; banned: () => void }) {
  const ban = useAction();
  const { field, label } = KINDS[kind];
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const value = String(new FormData(form).get(field)).trim();
    void ban
      .run(() => admin('PUT', `/admin/blacklist/${kind}/${encodeURIComponent(value)}`, { reason: 'banned in the console' }))
      .then((ok) => {
        if (ok) form.reset();
        banned();
      });
  };
  return (
    <form class="inline" onSubmit={submit} noValidate>
      <Field label={label} name={field} error={ban.fields[field]} />
      <button type="submit" disabled={ban.busy}>
        {KINDS[kind].ban}
      </button>
      <Problem action={ban} />
    </form>
  );
}

function Entry({ kind, entry }: { kind: Kind; entry: BlacklistEntry }) {
  const until = entry.expires_at ? ` until ${dateTime(entry.expires_at)}` : '';
  return (
    <span>
      {KINDS[kind].noun} <strong>{entry.value}</strong> · {entry.source}
      {until}
      {entry.reason && ` · ${entry.reason}`}
    </span>
  );
}

function Problem({ action }: { action: Action }) {
  return action.problem && Object.keys(action.fields).length === 0 ? <p class="problem">{action.problem}</p> : null;
}
