import { useEffect, useState } from 'preact/hooks';
import { serverClock } from '../api/server-clock.js';

/**
 * The server's time, re-read at each of its whole seconds: countdowns move on the second, and a
 * sale (its start is a whole second) opens the moment it starts.
 */
export function useServerNow(): number {
  const [now, setNow] = useState(() => serverClock.now());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      const at = serverClock.now();
      setNow(at);
      timer = setTimeout(tick, 1000 - (at % 1000));
    };
    tick();
    return () => clearTimeout(timer);
  }, []);
  return now;
}
