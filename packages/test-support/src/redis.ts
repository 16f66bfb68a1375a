import { PrivateServer, dataDirFor, probe } from './private-server.js';

/** A Redis of one test's own (see PrivateServer), with an append-only file as `./sk` runs it. */
export class PrivateRedis extends PrivateServer {
  private constructor(
    dataDir: string,
    readonly port: number,
  ) {
    // Ready once PING answers PONG: while it loads its data, Redis answers -LOADING instead.
    super(
      dataDir,
      'Redis',
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--dir', dataDir, '--appendonly', 'yes', '--save', ''],
      () => probe(port, 'PING\r\n', (answer) => (answer.includes('\r\n') ? answer.startsWith('+PONG') : undefined)),
    );
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  static async start(port: number): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await dataDirFor('Redis'), port);
    await redis.launch();
    return redis;
  }
}
