import type { SaleStatus } from '../api/types.js';

export const STATUS_WORDS: Record<SaleStatus, string> = {
  not_started: 'Not started',
  on_sale: 'On sale',
  sold_out: 'Sold out',
  ended: 'Ended',
  disabled: 'Disabled',
};

interface Timed {
  status: SaleStatus;
  start_time: string;
  end_time: string;
}

/**
 * The status at `now` (server time): the last answer's, moved on by the clock between two
 * answers, so the sale opens on the second it starts rather than at the next refresh.
 */
export function statusAt(activity: Timed, now: number): SaleStatus {
  const { status } = activity;
  if (status === 'disabled' || status === 'sold_out' || status === 'ended') return status;
  if (now >= Date.parse(activity.end_time)) return 'ended';
  return status === 'on_sale' || now >= Date.parse(activity.start_time) ? 'on_sale' : 'not_started';
}
