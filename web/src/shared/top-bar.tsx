import type { Session, SignedIn } from '../api/session.js';

/** The page's title, who is signed in, and a way out. */
export function TopBar({ title, session, who }: { title: string; session: Session; who: SignedIn | undefined }) {
  return (
    <header class="top-bar">
      <h1>{title}</h1>
      {who && (
        <p>
          <span class="who">{who.username}</span>
          <button type="button" class="link" onClick={() => session.signOut()}>
            Sign out
          </button>
        </p>
      )}
    </header>
  );
}
