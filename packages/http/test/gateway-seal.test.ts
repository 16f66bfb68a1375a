import { describe, expect, it } from 'vitest';
import { GatewaySeal } from '../src/gateway-seal.js';

const seal = new GatewaySeal('a-secret-of-this-suite-0123456789');
const request = { method: 'POST', url: '/sec/kill', clientIp: '203.0.113.9', userId: '42' };

describe('the gateway seal', () => {
  it('verifies what it sealed, within 30 s either way', () => {
    const now = Date.now();
    const value = seal.seal(request, now);
    expect(seal.verify(request, value, now)).toBe(true);
    expect(seal.verify(request, value, now + 30_000)).toBe(true);
    expect(seal.verify(request, value, now - 30_000)).toBe(true);
    expect(seal.verify(request, value, now + 30_001)).toBe(false);
  });

  it('refuses a seal moved to another request, a changed claim, another suite, or none', () => {
    const value = seal.seal(request);
    for (const changed of [
      { ...request, method: 'GET' },
      { ...request, url: '/sec/kill?x=1' },
      { ...request, clientIp: '198.51.100.1' },
      { ...request, userId: '43' },
      { ...request, clientIp: undefined },
    ]) {
      expect(seal.verify(changed, value)).toBe(false);
    }
    expect(new GatewaySeal('another-suite-secret-0123456789').verify(request, value)).toBe(false);
    const [time, mac] = value.split('.') as [string, string];
    expect(seal.verify(request, `${Number(time) + 1}.${mac}`)).toBe(false);
    expect(seal.verify(request, `${time}.${mac.slice(0, -2)}`)).toBe(false);
    for (const bad of [undefined, '', '.', 'x.y', `${time}`, `${time}.`, ['a', 'b']]) expect(seal.verify(request, bad)).toBe(false);
  });
});
