import pino from 'pino';

type Destination = ReturnType<typeof pino.destination>;

/** Every LogBlocks made, for the one exit handler (installed with the first) that writes out what they still hold. */
const made = new Set<LogBlocks>();
function flushAtExit(blocks: LogBlocks): void {
  if (made.size === 0) process.on('exit', () => made.forEach((b) => b.flush()));
  made.add(blocks);
}

/**
 * A pino stream that writes log lines to a file descriptor in blocks: of `blockChars` or more, at
 * least every `flushMs`, and what is left when the process exits. SonicBoom could gather the lines
 * itself (its minLength), but it appends each line to the pending string and measures that whole
 * string again for every line: at a line per answer that cost more than writing the line. Here a
 * line costs an array push. Each block is written at once (one write call per block of lines): a
 * background write still in flight when the process exits would be lost, lines and all.
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
    this.out = pino.destination({ dest: fd, sync: true });
    this.timer = setInterval(() => this.flush(), flushMs).unref();
    flushAtExit(this);
  }

  write(line: string): boolean {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= this.blockChars) this.flush();
    return true;
  }

  /** Writes the lines gathered so far. */
  flush(): void {
    if (this.lines.length === 0) return;
    const block = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.out.write(block);
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
