import type { AdminActivity } from '../api/types.js';
import { ConnectionNote } from '../shared/connection-note.js';
import { SessionGate } from '../shared/session-gate.js';
import { usePoll } from '../shared/use-poll.js';
import { useServerNow } from '../shared/use-server-now.js';
import { ActivityCard } from './activity-card.js';
import { admin, session } from './admin.js';
import { AuditPanel } from './audit-panel.js';
import { BlacklistPanel } from './blacklist-panel.js';
import { CreateForm } from './create-form.js';
import { OrdersPanel } from './orders-panel.js';

// Live figures: within the 2 s the console promises, one request for every activity.
const ACTIVITIES_EVERY_MS = 1_000;

export function ConsoleApp() {
  return (
    <SessionGate title="Flash sale console" signInTitle="Operators sign in" session={session}>
      {(who) =>
        who.grant.roles.includes('admin') ? (
          <Console />
        ) : (
          <p class="card problem" role="alert">
            {who.username} is not allowed here: the console is for operators (role admin).
          </p>
        )
      }
    </SessionGate>
  );
}

function Console() {
  const activities = usePoll(() => admin<AdminActivity[]>('GET', '/admin/activities'), ACTIVITIES_EVERY_MS);
  const now = useServerNow();
  const list = activities.data ?? [];
  return (
    <>
      <ConnectionNote problem={activities.problem} />
      <div class="console">
        <section aria-labelledby="activities-title" class="wide">
          <h2 id="activities-title">Activities</h2>
          <ul class="activities">
            {[...list].reverse().map((activity) => (
              <li key={activity.activity_id}>
                <ActivityCard activity={activity} now={now} changed={activities.refresh} />
              </li>
            ))}
          </ul>
        </section>
        <CreateForm created={activities.refresh} />
        <BlacklistPanel />
        <OrdersPanel activities={list} />
        <AuditPanel />
      </div>
    </>
  );
}
