import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';

// The contract's default ports (CONTRACT §1).
const SERVICES: Record<string, number> = { gateway: 9090, auth: 9019, 'sk-admin': 9030, 'sk-app': 9031, 'sk-core': 9032, 'sk-order': 9033 };
// Read by the images themselves or by Node, not by our configuration schemas.
const NOT_OURS = new Set(['NODE_ENV', 'NODE_OPTIONS']);

interface ComposeService {
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: unknown;
  depends_on?: Record<string, unknown>;
  ports?: string[];
  volumes?: string[];
}

// Node's flags as ./sk starts the services (SK_NODE_FLAGS=(...)): compose must run them the same.
const skScript = await readFile(new URL('../sk', import.meta.url), 'utf8');
const skInfra = await readFile(new URL('../scripts/infra.sh', import.meta.url), 'utf8');
const NODE_FLAGS = /^SK_NODE_FLAGS=\(([^)]*)\)$/m.exec(skScript)?.[1]?.split(/\s+/).filter(Boolean) ?? [];

const compose = parse(await readFile(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};

// CONTRACT §6: the one public door, and the SREs' UIs.
const PUBLISHED = ['gateway', 'zipkin', 'prometheus', 'grafana'];

async function configKeys(service: string): Promise<string[]> {
  const module = (await import(`../services/${service}/dist/config.js`)) as { configSchema: z.ZodObject };
  return Object.keys(module.configSchema.shape);
}

describe('docker-compose.yml matches the code', () => {
  it.each(Object.entries(SERVICES))('%s: command, port, env names and health check', async (name, port) => {
    const service = compose.services[name];
    expect(service, `service ${name} in docker-compose.yml`).toBeDefined();
    expect(NODE_FLAGS.length, 'SK_NODE_FLAGS in ./sk').toBeGreaterThan(0);
    expect(service!.command).toEqual(['node', ...NODE_FLAGS, `services/${name}/dist/main.js`]);
    const env = service!.environment ?? {};
    expect(env.PORT).toBe(String(port));
    const known = new Set(await configKeys(name));
    expect(Object.keys(env).filter((key) => !known.has(key) && !NOT_OURS.has(key))).toEqual([]);
    expect(service!.healthcheck).toBeDefined();
    expect(Object.keys(service!.depends_on ?? {})).toEqual(expect.arrayContaining(['redis', 'mysql', 'zookeeper']));
  });

  it('runs the infrastructure from official images, scraped by Prometheus', async () => {
    for (const infra of ['redis', 'mysql', 'zookeeper', 'consul', 'zipkin', 'prometheus', 'grafana']) {
      expect(compose.services[infra], infra).toBeDefined();
    }
    const scrape = await readFile(new URL('../deploy/prometheus.yml', import.meta.url), 'utf8');
    for (const [name, port] of Object.entries(SERVICES)) expect(scrape).toContain(`${name}:${port}`);
  });

  it('runs in production mode, with no secret of its own written in the file', () => {
    const text = JSON.stringify(compose);
    for (const name of ['gateway', 'auth', 'sk-admin', 'sk-app', 'sk-core', 'sk-order']) {
      expect(compose.services[name]!.environment, name).toMatchObject({ SK_ENV: 'production' });
    }
    expect(text).not.toMatch(/SK_SECRET:-[^}]|SK_ADMIN_PASSWORD:-[^}]|ZK_AUTH:-[^}]|MYSQL_PASSWORD:-[^}]|admin123|change-me|seckill@/);
    expect(compose.services.mysql!.environment?.MYSQL_ROOT_PASSWORD).toBe('${MYSQL_PASSWORD:-}');
    // Every service reads ZooKeeper's credentials from the operator's environment too.
    for (const name of Object.keys(SERVICES)) expect(compose.services[name]!.environment?.ZK_AUTH, name).toBe('${ZK_AUTH:-}');
  });

  it("bounds Redis memory and refuses writes past it rather than evict a sale's keys, as ./sk does", () => {
    const command = (compose.services.redis!.command as string[]).join(' ');
    expect(command).toMatch(/--maxmemory \d+[kmg]b/);
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(skInfra).toMatch(/--maxmemory \d+[kmg]b --maxmemory-policy noeviction/);
  });

  it("publishes no port but the gateway's and the SREs' UIs: none of Consul, the stores or the other services", () => {
    const publishing = Object.entries(compose.services)
      .filter(([, service]) => (service.ports ?? []).length > 0)
      .map(([name]) => name);
    expect(publishing.sort()).toEqual([...PUBLISHED].sort());
    expect(compose.services.consul!.ports).toBeUndefined();
    expect(compose.services.gateway!.ports).toEqual(['9090:9090']);
  });

  it("pins where auth's keys come from for every service that verifies tokens, rather than trust any auth instance in Consul", async () => {
    for (const name of Object.keys(SERVICES)) {
      if (!(await configKeys(name)).includes('AUTH_URL')) continue;
      expect(compose.services[name]!.environment?.AUTH_URL, name).toBe(`http://auth:${SERVICES.auth}`);
    }
    expect(compose.services.gateway!.environment?.AUTH_URL).toBeDefined();
  });

  it("gives the gateway and sk-app the same SK_SECRET, the key of the gateway's seal", () => {
    const secret = compose.services.gateway!.environment?.SK_SECRET;
    expect(secret).toBeTruthy();
    expect(compose.services['sk-app']!.environment?.SK_SECRET).toBe(secret);
  });

  it.each([
    ['redis', '/data'],
    ['mysql', '/var/lib/mysql'],
    ['zookeeper', '/data'],
    ['zookeeper', '/datalog'],
  ])("keeps %s's %s in a named volume", (name, path) => {
    const mount = (compose.services[name]!.volumes ?? []).find((volume) => volume.split(':')[1] === path);
    expect(mount, `${name} mounts ${path}`).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(mount!.split(':')[0]);
  });

  it("keeps Grafana behind a sign-in, with an admin password of the operator's and no weak default", () => {
    const grafana = compose.services.grafana!;
    const env = grafana.environment ?? {};
    expect(env.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
    expect(Object.keys(env).filter((key) => key.startsWith('GF_AUTH_ANONYMOUS_') && key !== 'GF_AUTH_ANONYMOUS_ENABLED')).toEqual([]);
    // From the operator's environment, defaulting to nothing: never a password written here.
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD(:-)?\}$/);
    // And Grafana refuses to start with it empty (or short, as admin is), before Grafana's own /run.sh.
    const script = grafana.entrypoint?.join('\n') ?? '';
    expect(script).toContain('[ "$${#GF_SECURITY_ADMIN_PASSWORD}" -ge 12 ] ||');
    expect(script).toContain('exec /run.sh');
  });
});
