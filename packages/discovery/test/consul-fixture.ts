import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * TEST FIXTURE, not Consul: an HTTP server shaped like a Consul agent's API for the endpoints the
 * Consul discovery client uses. Checks are not run: a registration is passing until the test
 * marks it critical. Stopping it and starting a new one on the same port is an agent restart
 * (registrations and indexes are lost).
 */
export interface FixtureRegistration {
  ID: string;
  Name: string;
  Address: string;
  Port: number;
  Meta?: Record<string, string>;
  Check?: Record<string, unknown>;
}

export interface HealthQuery {
  service: string;
  index?: string;
  wait?: string;
  passing: boolean;
  /** Whether the query was held until a change or the end of `wait`. */
  held: boolean;
}

export class ConsulFixture {
  private readonly services = new Map<string, { registration: FixtureRegistration; status: 'passing' | 'critical' }>();
  /** Per service name, the index of its last change (Consul's X-Consul-Index). */
  private readonly indexes = new Map<string, number>();
  private lastIndex = 1;
  private readonly waiters = new Map<() => void, string>();
  readonly queries: HealthQuery[] = [];

  private constructor(private readonly server: Server) {}

  static async start(port = 0): Promise<ConsulFixture> {
    let fixture: ConsulFixture | undefined;
    const server = createServer((req, res) => fixture!.handle(req, res));
    fixture = new ConsulFixture(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return fixture;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  registration(id: string): FixtureRegistration | undefined {
    return this.services.get(id)?.registration;
  }

  /** Test control: what the agent's check would find. */
  setStatus(id: string, status: 'passing' | 'critical'): void {
    const entry = this.services.get(id);
    if (!entry) throw new Error(`fixture: no service ${id}`);
    entry.status = status;
    this.changed(entry.registration.Name);
  }

  indexOf(service: string): number {
    return this.indexes.get(service) ?? 1;
  }

  /** Queries on `service` held now, waiting for a change. */
  waiting(service: string): number {
    return [...this.waiters.values()].filter((s) => s === service).length;
  }

  /** Drops every connection, held queries included, as a dying agent would. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    this.waiters.clear();
    await closed;
  }

  private changed(service: string): void {
    this.lastIndex += 1;
    this.indexes.set(service, this.lastIndex);
    for (const wake of [...this.waiters.keys()]) wake();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const path = url.pathname;
    if (req.method === 'PUT' && path === '/v1/agent/service/register') {
      void readJson(req).then((body) => {
        const registration = body as FixtureRegistration;
        this.services.set(registration.ID, { registration, status: 'passing' });
        this.changed(registration.Name);
        send(res, 200, null);
      });
      return;
    }
    const deregister = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(path);
    if (req.method === 'PUT' && deregister) {
      const id = decodeURIComponent(deregister[1]!);
      const entry = this.services.get(id);
      if (!entry) return send(res, 404, `Unknown service ID "${id}"`);
      this.services.delete(id);
      this.changed(entry.registration.Name);
      return send(res, 200, null);
    }
    if (req.method === 'GET' && path === '/v1/agent/services') {
      const list = Object.fromEntries(
        [...this.services].map(([id, { registration }]) => [id, { ...registration, Service: registration.Name }]),
      );
      return send(res, 200, list);
    }
    const health = /^\/v1\/health\/service\/(.+)$/.exec(path);
    if (req.method === 'GET' && health) return this.healthService(decodeURIComponent(health[1]!), url.searchParams, res);
    send(res, 404, 'fixture: endpoint not implemented');
  }

  /** A blocking query: with `index` at or past the service's index, held until it moves or `wait` ends. */
  private healthService(service: string, params: URLSearchParams, res: ServerResponse): void {
    const index = params.get('index') ?? undefined;
    const wait = params.get('wait') ?? undefined;
    const passing = params.has('passing') && params.get('passing') !== 'false';
    const held = index !== undefined && Number(index) >= this.indexOf(service);
    this.queries.push({ service, passing, held, ...(index !== undefined ? { index } : {}), ...(wait !== undefined ? { wait } : {}) });
    const answer = () => {
      const entries = [...this.services.values()]
        .filter((s) => s.registration.Name === service && (!passing || s.status === 'passing'))
        .map(({ registration: r, status }) => ({
          Node: { Node: 'fixture', Address: '127.0.0.1' },
          Service: { ID: r.ID, Service: r.Name, Address: r.Address, Port: r.Port, Meta: r.Meta ?? {}, Tags: [] },
          Checks: [{ CheckID: `service:${r.ID}`, ServiceID: r.ID, Status: status }],
        }));
      res.setHeader('X-Consul-Index', String(this.indexOf(service)));
      send(res, 200, entries);
    };
    if (!held) return answer();
    const done = () => {
      clearTimeout(timer);
      this.waiters.delete(wake);
      answer();
    };
    const wake = () => {
      if (this.indexOf(service) > Number(index)) done();
    };
    const timer = setTimeout(done, parseWait(wait));
    this.waiters.set(wake, service);
    res.on('close', () => {
      clearTimeout(timer);
      this.waiters.delete(wake);
    });
  }
}

function parseWait(wait: string | undefined): number {
  const m = /^(\d+)(ms|s|m)$/.exec(wait ?? '');
  if (!m) return 5 * 60_000; // Consul's default
  return Number(m[1]) * { ms: 1, s: 1_000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (typeof body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  } else {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
