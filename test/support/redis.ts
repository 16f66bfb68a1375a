import { connect } from 'node:net';
import { PrivateServer } from './private-server.js';

/** A Redis of one test's own (see PrivateServer), with an append-only file as `./sk` runs it. */
export class PrivateRedis extends PrivateServer {
  private constructor(
    dataDir: string,
    readonly port: number,
  ) {
    super('Redis', 'redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dataDir, '--appendonly', 'yes', '--save', ''], () =>
      answersPing(port),
    );
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  static async start(dataDir: string, port: number): Promise<PrivateRedis> {
    const redis = new PrivateRedis(dataDir, port);
    await redis.launch();
    return redis;
  }
}

/** Ready once PING answers PONG: while it loads its data, Redis answers -LOADING instead. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}
