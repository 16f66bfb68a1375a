import type { ComponentChildren } from 'preact';
import type { Session, SignedIn } from '../api/session.js';
import { SignInForm } from './sign-in-form.js';
import { TopBar } from './top-bar.js';
import { useSession } from './use-session.js';

interface Props {
  title: string;
  signInTitle: string;
  session: Session;
  /** The page, once someone is signed in. */
  children: (who: SignedIn) => ComponentChildren;
}

/** A page's frame: the sign-in form until someone is signed in (or a stored session resumed), then the page. */
export function SessionGate({ title, signInTitle, session, children }: Props) {
  const { who, resuming, problem } = useSession(session);
  return (
    <>
      <TopBar title={title} session={session} who={who} />
      <main>
        {who ? (
          children(who)
        ) : resuming ? (
          <p class="note" role="status">
            {problem ?? 'Signing you back in…'}
          </p>
        ) : (
          <SignInForm session={session} title={signInTitle} />
        )}
      </main>
    </>
  );
}
