import { useState } from 'preact/hooks';
import type { Reconciliation } from '../api/types.js';
import { useAction } from '../shared/use-action.js';
import { admin } from './admin.js';

/** The sale's count (Redis) against its orders (MySQL), and the repair from MySQL when they drift. */
export function ReconciliationBox({ activityId }: { activityId: number }) {
  const [figures, setFigures] = useState<Reconciliation>();
  const action = useAction();
  const path = `/admin/activities/${activityId}/reconciliation`;
  const ask = (method: 'GET' | 'POST') => void action.run(async () => setFigures(await admin<Reconciliation>(method, path)));

  return (
    <div class="reconciliation">
      <button type="button" disabled={action.busy} onClick={() => ask('GET')}>
        Reconcile
      </button>
      {figures && (
        <>
          <p>
            sold <strong>{figures.sold}</strong> · held in orders <strong>{figures.held}</strong> · drift{' '}
            <strong data-stat="drift" class={figures.drift === 0 ? '' : 'problem'}>
              {figures.drift}
            </strong>
          </p>
          <button type="button" disabled={action.busy} onClick={() => ask('POST')}>
            Repair
          </button>
        </>
      )}
      {action.problem && <span class="problem">{action.problem}</span>}
    </div>
  );
}
