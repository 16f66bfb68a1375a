import { expect } from 'vitest';
import { pooled, type Answer, type Suite } from '@sk/test-support';

/**
 * 200 shoppers × 10 attempts on 50 in stock, buy limit 2: exactly the stock is sold, nobody above
 * the limit, and every other answer is a business refusal.
 */
export async function crowdBuysExactlyTheStock(suite: Suite): Promise<void> {
  const shoppers = await suite.shoppers(200, 'crowd');
  const { productId, activityId } = await suite.sale({ total: 50, buy_limit: 2 });
  await suite.until(productId, 'on_sale');

  const attempts = shoppers.flatMap((s) => Array.from({ length: 10 }, () => s));
  shuffle(attempts);
  const answers = await pooled(
    attempts.map((s) => async () => ({ userId: s.userId, answer: await suite.kill(s, productId) })),
    200,
  );

  const successes = answers.filter((a) => a.answer.body.code === 1002);
  expect(successes).toHaveLength(50);
  const perUser = new Map<number, number>();
  for (const s of successes) perUser.set(s.userId, (perUser.get(s.userId) ?? 0) + 1);
  expect(Math.max(...perUser.values())).toBeLessThanOrEqual(2);
  for (const s of successes)
    expect(s.answer.body.result).toMatchObject({ user_id: s.userId, activity_id: activityId, product_id: productId });
  const others = answers.filter((a) => a.answer.body.code !== 1002).map((a) => codeOf(a.answer));
  expect(others.filter((c) => !['410/1004', '409/1006', '429/1104'].includes(c))).toEqual([]);

  const admin = await suite.admin('GET', `/admin/activities/${activityId}`);
  expect(admin.body.result).toMatchObject({ sold: 50, remaining: 0 });
  const listed = await suite.call('GET', `/sec/info?product_id=${productId}`);
  expect(listed.body.result).toMatchObject({ status: 'sold_out', remaining: 0 });
}

function codeOf(a: Answer): string {
  return `${a.status}/${a.body.code}`;
}

function shuffle<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
