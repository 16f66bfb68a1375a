import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { stopOnSignals } from './lifecycle.js';
import { CONNECTION_LIMITS } from './server.js';

// Worker → primary: it serves now; one of its connections closed. Primary → worker: a connection (the socket rides along).
const SERVING = 'sk:serving';
const CLOSED = 'sk:connection-closed';
const CONNECTION = 'sk:connection';

interface Message {
  type?: string;
}

/**
 * In a cluster's primary: listens on the cluster's port and hands each new connection to the
 * serving worker that holds the fewest. node:cluster's round robin hands the next connection to
 * whichever worker acknowledged its last one first, so a crowd connecting while one worker was
 * busy went mostly to the other, whose clients then waited longer (bench/README.md).
 */
export class ConnectionBalancer {
  /** Serving workers and how many connections each holds. */
  private readonly held = new Map<Worker, number>();
  private readonly server = net.createServer({ pauseOnConnect: true }, (socket) => this.handOff(socket));
  private readonly firstServing: Promise<void>;

  /** `warn`: told of a connection that could not be taken or handed over (its client sees it closed). */
  constructor(private readonly warn: (err: unknown, message: string) => void) {
    // The workers' own servers never accept: the cap on connections is kept here.
    this.server.maxConnections = CONNECTION_LIMITS.maxConnections;
    let served: () => void;
    this.firstServing = new Promise((resolve) => (served = resolve));
    cluster.on('message', (worker, message: Message) => {
      if (message?.type === SERVING) {
        this.held.set(worker, 0);
        served();
      } else if (message?.type === CLOSED) {
        this.release(worker);
      }
    });
    cluster.on('exit', (worker) => this.held.delete(worker));
  }

  /** The workers that take connections. */
  get serving(): Iterable<Worker> {
    return this.held.keys();
  }

  /** Listens once a worker serves; resolves with the port (the one bound, when `port` is 0). */
  async listen(port: number, host: string): Promise<number> {
    await this.firstServing;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => this.warn(err, 'connection not accepted'));
        resolve();
      });
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Takes no more connections; those handed over stay with their workers. */
  close(): void {
    this.server.close();
  }

  private handOff(socket: net.Socket): void {
    socket.on('error', (err) => this.warn(err, 'connection lost before a worker took it'));
    let target: [Worker, number] | undefined;
    for (const [worker, held] of this.held) {
      if (worker.isConnected() && (!target || held < target[1])) target = [worker, held];
    }
    if (!target) return void socket.destroy();
    const [worker, held] = target;
    this.held.set(worker, held + 1);
    worker.send({ type: CONNECTION }, socket, (err: Error | null) => {
      if (!err) return;
      this.warn(err, 'connection not handed to a worker');
      socket.destroy();
      this.release(worker);
    });
  }

  /** One connection fewer for `worker` (closed, or never handed over). */
  private release(worker: Worker): void {
    const held = this.held.get(worker);
    if (held) this.held.set(worker, held - 1);
  }
}

/**
 * In a cluster worker: serves the connections its primary hands over (see ConnectionBalancer)
 * instead of listening, and closes everything in order on SIGINT/SIGTERM.
 */
export async function serveHandedConnections(app: FastifyInstance): Promise<void> {
  stopOnSignals(app);
  await app.ready();
  // Node's http server starts its header and request timeouts on 'listening', which a server
  // that never listens itself would not see.
  app.server.emit('listening');
  process.on('message', (message: Message, socket?: net.Socket) => {
    if (message?.type !== CONNECTION || !socket) return;
    socket.once('close', () => process.connected && process.send!({ type: CLOSED }));
    app.server.emit('connection', socket);
    socket.resume();
  });
  process.send!({ type: SERVING });
}
