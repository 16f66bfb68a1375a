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
  environment?: Record<string, string>;
  healthcheck?: unknown;
  depends_on?: Record<string, unknown>;
}

// Node's flags as ./sk starts the services (SK_NODE_FLAGS=(...)): compose must run them the same.
const skScript = await readFile(new URL('../sk', import.meta.url), 'utf8');
const skInfra = await readFile(new URL('../scripts/infra.sh', import.meta.url), 'utf8');
const NODE_FLAGS = /^SK_NODE_FLAGS=\(([^)]*)\)$/m.exec(skScript)?.[1]?.split(/\s+/).filter(Boolean) ?? [];

const compose = parse(await readFile(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

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

  it('bounds Redis memory and refuses writes past it rather than evict a sale\'s keys, as ./sk does', () => {
    const command = (compose.services.redis!.command as string[]).join(' ');
    expect(command).toMatch(/--maxmemory \d+[kmg]b/);
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(skInfra).toMatch(/--maxmemory \d+[kmg]b --maxmemory-policy noeviction/);
  });
});
