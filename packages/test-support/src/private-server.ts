import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory for a private server's data, removed by its `dispose`. */
export function dataDirFor(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `sk-${name.toLowerCase()}-`));
}

/**
 * A server process of one test's own, for tests that stop it: the shared ones must stay up for
 * the other test files. `stop` kills it as a crash would; its data outlives that, so `restart`
 * brings back what it held, as after a real outage. `dispose` stops it for good and removes its data.
 */
export class PrivateServer {
  private child: ChildProcess | undefined;
  private log = '';

  constructor(
    private readonly dataDir: string,
    private readonly name: string,
    private readonly command: string,
    private readonly args: readonly string[],
    /** True once the server serves (an open port alone may not mean that). */
    private readonly serving: () => Promise<boolean>,
  ) {}

  /** Kills the server (its clients see their connections drop); the data stays. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** Starts it again with the same port and no data: everything it held is lost, as with a lost disk. */
  async restartEmpty(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
    await mkdir(this.dataDir, { recursive: true });
    await this.launch();
  }

  /** Starts it again with the same port and data, once it serves. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async launch(timeoutMs = 30_000): Promise<void> {
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-10_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (!(await this.serving())) {
      if (child.exitCode !== null) throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.log}`);
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`${this.name} not serving within ${timeoutMs} ms:\n${this.log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Sends `request` to 127.0.0.1:`port` and judges the answer as it comes: `verdict` says true or
 * false once it can tell, undefined while it cannot. An answer ended undecided, or none, is false.
 */
export function probe(port: number, request: string, verdict: (answer: string) => boolean | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      const ok = verdict(answer);
      if (ok !== undefined) done(ok);
    });
    socket.on('end', () => done(verdict(answer) ?? false));
    socket.on('error', () => done(false));
  });
}
