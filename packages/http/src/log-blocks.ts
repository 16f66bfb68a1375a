import pino from 'pino';

type Destination = ReturnType<typeof pino.destination>;

/** Every LogBlocks made, for the one exit handler that writes out what they still hold. */
const made = new Set<LogBlocks>();
process.on('exit', () => {
  for (const blocks of made) blocks.flushSync();
});

/**
 * A pino stream that hands log lines to a file descriptor in blocks: in the background, in blocks
 * of `blockChars` or more, at least every `flushMs`, and what is left when the process exits.
 * SonicBoom could gather the lines itself (its minLength), but it appends each line to the pending
 * string and measures that whole string again for every line: at a line per answer that cost more
 * than writing the line. Here a line costs an array push, and SonicBoom gets one string per block.
 */
export class LogBlocks {
  private lines: string[] = [];
  private chars = 0;
  private readonly out: Destination;
  private readonly timer: NodeJS.Timeout;

  constructor(
    fd: number,
    private readonly blockChars = 8 * 1024,
    flushMs = 1_000,
  ) {
    this.out = pino.destination({ dest: fd, sync: false });
    this.timer = setInterval(() => this.flush(), flushMs).unref();
    made.add(this);
  }

  write(line: string): boolean {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= this.blockChars) this.flush();
    return true;
  }

  /** Hands the lines gathered so far to the destination, which writes them in the background. */
  flush(): void {
    if (this.lines.length === 0) return;
    const block = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.out.write(block);
  }

  /** Writes everything out before returning (as the process exits). */
  flushSync(): void {
    this.flush();
    try {
      this.out.flushSync();
    } catch {
      // not open yet, or already closed: nothing can be written
    }
  }

  /**
   * Stops the timer and writes out what is left; a line logged later still leaves when the process
   * exits. The descriptor stays open (it is stdout).
   */
  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
