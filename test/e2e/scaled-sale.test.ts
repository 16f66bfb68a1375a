import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Suite, isolate } from '@sk/test-support';
import { crowdBuysExactlyTheStock } from './crowd.js';

const iso = isolate('e2e_scaled');
let suite: Suite;

beforeAll(async () => {
  suite = await Suite.start(iso, { skCore: 3, skApp: 2 });
});

afterAll(async () => {
  await suite?.stop();
  await iso.cleanup();
});

describe('a sale across 3 sk-core and 2 sk-app instances', () => {
  it('runs with every instance registered', () => {
    expect(suite.instances('sk-core')).toHaveLength(3);
    expect(suite.instances('sk-app')).toHaveLength(2);
  });

  it('sells exactly the stock to the crowd', async () => {
    await crowdBuysExactlyTheStock(suite);
  });
});
