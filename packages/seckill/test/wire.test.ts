import { describe, expect, it } from 'vitest';
import {
  GATEWAY_HEADERS,
  GATEWAY_HEADER_PREFIX,
  KILL_BATCH_PATH,
  ORDER_STREAM_FIELD,
  blacklistChangeMessage,
  blacklistEntryValue,
  orderRecordsOf,
  parseBlacklistChange,
  parseBlacklistEntry,
  parseSoldOut,
  parseStockReturned,
  redisKeys,
  sealedFields,
  soldOutMessage,
  stockReturnedMessage,
  type BlacklistChange,
  type OrderRecord,
} from '../src/index.js';

// The bytes other processes (and other versions of them, mid-deploy) read and write: a change here
// is a change of the wire, not a refactoring.
describe('the wire contract', () => {
  it('names the Redis keys and channels', () => {
    const keys = redisKeys('p:');
    expect(keys.sold(7)).toBe('p:{a7}:sold');
    expect(keys.orders(7)).toBe('p:{a7}:orders');
    expect(keys.nonce(7, 42, 'n1')).toBe('p:{a7}:nonce:42:n1');
    expect(keys.requests).toBe('p:{relay-0-0}:requests');
    expect(keys.relayLists(3)).toEqual(['p:{relay-0-2}:requests', 'p:{relay-1-0}:requests', 'p:{relay-2-3}:requests']);
    expect(keys.replies('sk-app-1')).toBe('p:relay:replies:sk-app-1');
    expect(keys.soldOutChannel).toBe('p:events:sold-out');
    expect(keys.stockReturnedChannel).toBe('p:events:stock-returned');
    expect(keys.blacklistChannel).toBe('p:events:blacklist');
    expect(keys.blacklist('operator', 'ip')).toBe('p:{blacklist}:operator:ip');
    expect(keys.requestCount('user', '42', 9)).toBe('p:autoban:user:42:9');
    expect(keys.rateLimits).toBe('p:ratelimit:');
  });

  it('spells the sold-out and stock-returned announcements', () => {
    expect(soldOutMessage(7, 100)).toBe('{"activity_id":7,"total":100}');
    expect(stockReturnedMessage(7)).toBe('{"activity_id":7}');
    expect(stockReturnedMessage(7, [1, 2])).toBe('{"activity_id":7,"user_ids":[1,2]}');
    expect(parseSoldOut(soldOutMessage(7, 100))).toEqual({ activity_id: 7, total: 100 });
    expect(parseStockReturned(stockReturnedMessage(7, [1]))).toEqual({ activity_id: 7, user_ids: [1] });
    for (const bad of ['not json', '{"activity_id":"x"}', 'null']) {
      expect(parseSoldOut(bad)).toBeUndefined();
      expect(parseStockReturned(bad)).toBeUndefined();
    }
  });

  it('spells blacklist entries and their announcements', () => {
    const change: BlacklistChange = { source: 'auto', kind: 'ip', value: '203.0.113.9', entry: { reason: 'too many', expires_at: 5 } };
    expect(blacklistChangeMessage(change)).toBe(
      '{"source":"auto","kind":"ip","value":"203.0.113.9","entry":{"reason":"too many","expires_at":5}}',
    );
    expect(blacklistEntryValue(change.entry!)).toBe('{"reason":"too many","expires_at":5}');
    expect(parseBlacklistChange(blacklistChangeMessage({ ...change, entry: null }))).toEqual({ ...change, entry: null });
    expect(parseBlacklistEntry('{"reason":"r","expires_at":null}')).toEqual({ reason: 'r', expires_at: null });
    expect(parseBlacklistChange('{"source":"nobody","kind":"ip","value":"x","entry":null}')).toBeUndefined();
    expect(parseBlacklistEntry('{}')).toBeUndefined();
  });

  it('reads order records from the field qualify.lua writes', () => {
    const record: OrderRecord = {
      product_id: 1,
      activity_id: 7,
      user_id: 42,
      token: 't',
      token_time: 1,
      order_id: '7-1',
      pay_by: 2,
      nonce: 'n',
      seq: 1,
    };
    expect(ORDER_STREAM_FIELD).toBe('o');
    expect(
      orderRecordsOf([
        ['1-0', ['o', JSON.stringify(record)]],
        ['2-0', ['x', 'o']],
        ['3-0', ['o', '{}']],
      ]),
    ).toEqual({ records: [record], malformed: ['2-0', '3-0'] });
  });

  it("names the gateway's headers and what its seal covers", () => {
    expect(GATEWAY_HEADERS).toEqual({ clientIp: 'x-sk-client-ip', userId: 'x-sk-user-id', roles: 'x-sk-roles', seal: 'x-sk-gateway' });
    expect(Object.values(GATEWAY_HEADERS).every((name) => name.startsWith(GATEWAY_HEADER_PREFIX))).toBe(true);
    expect(sealedFields('POST', '/sec/kill', { 'x-sk-client-ip': '203.0.113.9', 'x-sk-user-id': '42', 'x-sk-roles': 'user' })).toEqual({
      method: 'POST',
      url: '/sec/kill',
      clientIp: '203.0.113.9',
      userId: '42',
    });
    expect(KILL_BATCH_PATH).toBe('/internal/sec/kills');
  });
});
