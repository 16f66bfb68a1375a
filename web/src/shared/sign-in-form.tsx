import type { Session } from '../api/session.js';
import { useAction } from './use-action.js';

const WORDS = { 1103: 'Wrong username or password', 1104: 'Too many sign-ins' };

/** Username and password; the session changes once they are accepted. */
export function SignInForm({ session, title }: { session: Session; title: string }) {
  const signIn = useAction(WORDS);
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    void signIn.run(() => session.signIn(String(form.get('username')), String(form.get('password'))));
  };

  return (
    <form class="card sign-in" onSubmit={submit}>
      <h2>{title}</h2>
      <label>
        Username
        <input name="username" autocomplete="username" required />
      </label>
      <label>
        Password
        <input name="password" type="password" autocomplete="current-password" required />
      </label>
      <button type="submit" disabled={signIn.busy}>
        Sign in
      </button>
      {signIn.problem && (
        <p class="problem" role="alert">
          {signIn.problem}
        </p>
      )}
    </form>
  );
}
