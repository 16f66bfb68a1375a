import { SerialRerun } from '@sk/concurrency';
import { subscribe, type Redis } from '@sk/storage';
import { isActiveEntry, readBlacklist } from './blacklist.js';
import {
  BLACKLIST_SOURCES,
  parseBlacklistChange,
  type BlacklistChange,
  type BlacklistEntry,
  type BlacklistKind,
} from './wire/blacklist.js';
import type { RedisKeys } from './wire/keys.js';

const RELOAD_RETRY_MS = 500;

const entryKey = (source: string, kind: string, value: string) => `${source}:${kind}:${value}`;

/**
 * The blacklists in this instance's memory, so a request is checked against them without I/O (sk-app's
 * kills, the gateway's every authenticated request). Loaded in full
 * at start and after every reconnect of the subscriber (announcements may have been missed while
 * it was down), and kept current in between by sk-admin's and the auto-ban's announcements.
 */
export class Blacklist {
  /** entryKey(source, kind, value) → entry. */
  private entries = new Map<string, BlacklistEntry>();
  /** Announcements heard while a full load is under way, replayed on top of it. */
  private heardDuringLoad: BlacklistChange[] | null = null;
  private loadedOnce = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private readonly loads = new SerialRerun(
    () => this.loadUntilDone(),
    () => !this.stopped,
  );

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
    private readonly log: { warn(details: object, message: string): void },
  ) {}

  get loaded(): boolean {
    return this.loadedOnce;
  }

  /** Subscribes, then loads everything; resolves after the first full load. */
  async start(): Promise<void> {
    this.subscriber.on('ready', this.onReconnect);
    this.unsubscribe = await subscribe(this.subscriber, this.keys.blacklistChannel, this.onMessage);
    await this.reload();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.subscriber.off('ready', this.onReconnect);
  }

  /** Whether the user or IP is barred now. */
  blocks(kind: BlacklistKind, value: string, now = Date.now()): boolean {
    for (const source of BLACKLIST_SOURCES) {
      const entry = this.entries.get(entryKey(source, kind, value));
      if (entry && isActiveEntry(entry, now)) return true;
    }
    return false;
  }

  /** Applies a change this instance made itself, without waiting for its announcement. */
  apply(change: BlacklistChange): void {
    this.heardDuringLoad?.push(change);
    const key = entryKey(change.source, change.kind, change.value);
    if (change.entry) this.entries.set(key, change.entry);
    else this.entries.delete(key);
  }

  /** Replaces memory with what Redis holds, retrying until Redis answers; a call during a load makes it run once more. */
  reload(): Promise<void> {
    return this.loads.run();
  }

  private async loadUntilDone(): Promise<void> {
    while (!this.stopped) {
      const heard: BlacklistChange[] = [];
      this.heardDuringLoad = heard;
      try {
        const all = await readBlacklist(this.redis, this.keys);
        this.heardDuringLoad = null;
        this.entries = new Map(all.map((c) => [entryKey(c.source, c.kind, c.value), c.entry!]));
        // Announcements are ordered and each sets one entry outright: replaying them ends in the latest state.
        for (const change of heard) this.apply(change);
        this.loadedOnce = true;
        return;
      } catch (err) {
        this.heardDuringLoad = null;
        this.log.warn({ err }, 'blacklist load failed; retrying');
        await new Promise((r) => setTimeout(r, RELOAD_RETRY_MS));
      }
    }
  }

  private readonly onReconnect = () => {
    void this.reload();
  };

  private readonly onMessage = (message: string) => {
    const change = parseBlacklistChange(message);
    if (change) this.apply(change);
  };
}
