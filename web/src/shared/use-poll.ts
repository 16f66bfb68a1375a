import { useEffect, useRef, useState } from 'preact/hooks';
import { Refused, problemOf } from '../api/http.js';

export interface Polled<T> {
  data: T | undefined;
  /** Why the last load failed (the data shown is then the last that loaded). */
  problem: string | undefined;
  /** Loads again now (after a change the page made itself). */
  refresh: () => void;
}

/**
 * `load` every `everyMs` after the previous answer, for as long as the component lives, again when
 * `key` changes. A failure (the gateway restarting, a 429) keeps the last data and is retried: after
 * `Retry-After` when the answer gave one.
 */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, key: readonly unknown[] = []): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, 'refresh'>>({ data: undefined, problem: undefined });
  const loader = useRef(load);
  loader.current = load;
  const kick = useRef(() => {});

  useEffect(() => {
    let stopped = false;
    let running = false;
    let again = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      clearTimeout(timer);
      let waitMs = everyMs;
      try {
        const data = await loader.current();
        if (!stopped) setState({ data, problem: undefined });
      } catch (err) {
        if (!stopped) setState((s) => ({ data: s.data, problem: problemOf(err) }));
        if (err instanceof Refused && err.answer.retryAfterS) waitMs = Math.max(waitMs, err.answer.retryAfterS * 1000);
      }
      running = false;
      if (stopped) return;
      if (again) {
        again = false;
        void run();
      } else timer = setTimeout(run, waitMs);
    };
    kick.current = () => void run();
    setState({ data: undefined, problem: undefined });
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [everyMs, ...key]);

  return { ...state, refresh: () => kick.current() };
}
