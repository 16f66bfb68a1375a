import { useState } from 'preact/hooks';
import type { AuditPage } from '../api/types.js';
import { dateTime } from '../shared/format.js';
import { DataTable } from '../shared/data-table.js';
import { Pager } from '../shared/pager.js';
import { usePoll } from '../shared/use-poll.js';
import { admin } from './admin.js';

const PAGE_SIZE = 20;
// Enough of a change to recognise it (a bulk user import's is thousands of names long).
const SUMMARY_CHARS = 200;
const AUDIT_EVERY_MS = 5_000;

/** Every operator change, newest first. */
export function AuditPanel() {
  const [offset, setOffset] = useState(0);
  const page = usePoll(() => admin<AuditPage>('GET', `/admin/audit?limit=${PAGE_SIZE}&offset=${offset}`), AUDIT_EVERY_MS, [offset]);
  const total = page.data?.total ?? 0;

  return (
    <section aria-labelledby="audit-title" class="wide">
      <h2 id="audit-title">Audit log</h2>
      <div class="card">
        {page.problem && <p class="problem">{page.problem}</p>}
        <DataTable
          head={['When', 'Who', 'Action', 'Target', 'Now']}
          rows={(page.data?.entries ?? []).map((e) => ({
            key: e.id,
            cells: [dateTime(e.at), e.actor, e.action, e.target, <span class="json">{summary(e.after)}</span>],
          }))}
        />
        <Pager
          label="Audit log pages"
          previous={offset > 0 ? () => setOffset(Math.max(0, offset - PAGE_SIZE)) : undefined}
          next={offset + PAGE_SIZE < total ? () => setOffset(offset + PAGE_SIZE) : undefined}
        />
      </div>
    </section>
  );
}

function summary(state: unknown): string {
  const json = state === null ? '' : JSON.stringify(state);
  return json.length > SUMMARY_CHARS ? `${json.slice(0, SUMMARY_CHARS)}…` : json;
}
