const pad = (n: number) => String(n).padStart(2, '0');

/** A time left, rounded up to the second: "5 s", "2 min 05 s", "3 h 02 min", "2 d 3 h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${pad(Math.floor(s / 60) % 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor(s / 3600) % 24} h`;
}

/** An instant in the reader's own time zone (the zone only: no clock is read). */
export function dateTime(instant: string | number): string {
  return new Date(instant).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}
