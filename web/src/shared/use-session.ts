import { useEffect, useState } from 'preact/hooks';
import { problemOf } from '../api/http.js';
import type { Session, SignedIn } from '../api/session.js';

const RETRY_MS = 2_000;

export interface SessionState {
  who: SignedIn | undefined;
  /** A stored session being resumed after a reload (the sign-in form waits for it). */
  resuming: boolean;
  problem: string | undefined;
}

/** Follows the session; resumes a stored one, retrying while the gateway cannot be reached. */
export function useSession(session: Session): SessionState {
  const [state, setState] = useState<SessionState>({ who: session.who, resuming: !session.who && session.hasStored, problem: undefined });

  useEffect(() => {
    const unsubscribe = session.onChange((who) => setState({ who, resuming: false, problem: undefined }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const resume = () =>
      session.resume().then(
        (who) => setState({ who, resuming: false, problem: undefined }),
        (err: unknown) => {
          setState((s) => ({ ...s, problem: problemOf(err) }));
          timer = setTimeout(resume, RETRY_MS);
        },
      );
    if (!session.who && session.hasStored) void resume();
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [session]);

  return state;
}
