import type { Discovery, ServiceInstance } from './types.js';

/**
 * Instances from a fixed list: `auth=127.0.0.1:9019;sk-app=127.0.0.1:9031,127.0.0.1:9131@3`
 * (`@n` is a weight). For deployments without a registry; registering is a no-op.
 */
export class StaticDiscovery implements Discovery {
  private readonly byService = new Map<string, ServiceInstance[]>();
  readonly connected = true;

  constructor(spec: string) {
    for (const entry of spec
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [service, list] = entry.split('=');
      if (!service || !list) throw new Error(`SK_STATIC_INSTANCES: bad entry "${entry}"`);
      const instances = list.split(',').map((addr) => {
        const m = /^([^:@]+):(\d+)(?:@(\d+))?$/.exec(addr.trim());
        if (!m) throw new Error(`SK_STATIC_INSTANCES: bad address "${addr}" for ${service}`);
        const [, host, port, weight] = m;
        return { id: `${service}-${host}-${port}`, service, host: host!, port: Number(port), weight: Number(weight ?? 1) };
      });
      this.byService.set(service.trim(), instances);
    }
  }

  async register(): Promise<void> {}

  instances(service: string): readonly ServiceInstance[] {
    return this.byService.get(service) ?? [];
  }

  async watch(): Promise<void> {}

  async close(): Promise<void> {}
}
