import { useState } from 'preact/hooks';
import { Refused, problemOf } from '../api/http.js';

export interface Action {
  busy: boolean;
  problem: string | undefined;
  /** A 400's `errors`, by field. */
  fields: Record<string, string>;
  /** Runs `work` once at a time; true when it succeeded. */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
}

/** The state of something asked for: in flight, or refused (why, in `words` by code when given, and which fields). */
export function useAction(words?: Record<number, string>): Action {
  const [state, setState] = useState<Omit<Action, 'run'>>({ busy: false, problem: undefined, fields: {} });
  const run = async (work: () => Promise<unknown>) => {
    setState({ busy: true, problem: undefined, fields: {} });
    try {
      await work();
      setState({ busy: false, problem: undefined, fields: {} });
      return true;
    } catch (err) {
      const errors = err instanceof Refused ? (err.answer.body.errors ?? []) : [];
      setState({ busy: false, problem: problemOf(err, words), fields: Object.fromEntries(errors.map((e) => [e.field, e.message])) });
      return false;
    }
  };
  return { ...state, run };
}
