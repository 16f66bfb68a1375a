import { Refused, send, type Answer } from './http.js';
import type { Grant } from './types.js';

/** Who is signed in: the grant, and the name they signed in with (the grant does not carry it). */
export interface SignedIn {
  grant: Grant;
  username: string;
}

interface Stored {
  refresh_token: string;
  username: string;
}

// Refreshed this long before the access token expires, so that a purchase never meets a 401.
const EARLY_REFRESH_MS = 60_000;

/**
 * A signed-in shopper or operator. The refresh token is kept in localStorage (one key per page) so
 * that the session survives a reload; the access token only in memory.
 */
export class Session {
  private current: SignedIn | undefined;
  private expiresAt = 0;
  private refreshing: Promise<SignedIn | undefined> | undefined;
  private readonly listeners = new Set<(who: SignedIn | undefined) => void>();

  constructor(private readonly storageKey: string) {}

  get who(): SignedIn | undefined {
    return this.current;
  }

  get hasStored(): boolean {
    return this.stored() !== undefined;
  }

  onChange(listener: (who: SignedIn | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Password grant; Refused (401/1103 bad credentials, 429) or Unreachable. */
  async signIn(username: string, password: string): Promise<void> {
    const answer = await send<unknown>('POST', '/oauth/token', { grant_type: 'password', username, password });
    if (answer.status !== 200) throw new Refused(answer);
    this.accept(answer, username);
  }

  /** The stored session after a reload, through the refresh grant. Unreachable or Refused (429) mean: try again later. */
  resume(): Promise<SignedIn | undefined> {
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  signOut(): void {
    localStorage.removeItem(this.storageKey);
    this.set(undefined);
  }

  /** A call with the access token; a 401 refreshes it once and asks again. */
  async call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    if (this.current && performance.now() > this.expiresAt - EARLY_REFRESH_MS) await this.resume();
    const answer = await send<T>(method, path, body, this.current?.grant.access_token);
    if (answer.status !== 401 || !(await this.resume())) return answer;
    return send<T>(method, path, body, this.current?.grant.access_token);
  }

  private async refresh(): Promise<SignedIn | undefined> {
    const stored = this.stored();
    // Signed out meanwhile (in another tab of this page): signed out here too.
    if (!stored) {
      this.signOut();
      return undefined;
    }
    const answer = await send<unknown>('POST', '/oauth/token', { grant_type: 'refresh_token', refresh_token: stored.refresh_token });
    if (answer.status === 200) return this.accept(answer, stored.username);
    if (answer.status === 400 || answer.status === 401) {
      this.signOut();
      return undefined;
    }
    throw new Refused(answer);
  }

  private accept(answer: Answer<unknown>, username: string): SignedIn {
    const grant = answer.body as unknown as Grant;
    this.expiresAt = performance.now() + grant.expires_in * 1000;
    localStorage.setItem(this.storageKey, JSON.stringify({ refresh_token: grant.refresh_token, username } satisfies Stored));
    const who = { grant, username };
    this.set(who);
    return who;
  }

  private set(who: SignedIn | undefined): void {
    this.current = who;
    for (const listener of this.listeners) listener(who);
  }

  private stored(): Stored | undefined {
    try {
      const stored = JSON.parse(localStorage.getItem(this.storageKey) ?? 'null') as Stored | null;
      return stored?.refresh_token ? stored : undefined;
    } catch {
      return undefined;
    }
  }
}
