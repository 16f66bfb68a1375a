import type { AnswerCounts } from '@sk/seckill';
import { z } from 'zod';
import { authenticate, type TokenVerifier } from '@sk/identity';
import { Codes, envelope, type SkPlugin } from '@sk/http';
import { b3Of } from '@sk/tracing';
import type { Admission } from '../admission.js';
import type { Seckill } from '../seckill.js';

const productQuery = z.object({ product_id: z.coerce.number().int().positive() });

// The user is the token's user: a `user_id` (or anything else) in the body is dropped, not trusted.
const killBody = z.object({
  product_id: z.number().int().positive(),
  sec_time: z.number().int().nonnegative(),
  nonce: z.string().min(8).max(64),
  sign: z.string().regex(/^[0-9a-fA-F]{1,128}$/, 'a hex string'),
  source: z.string().max(64).optional(),
});

export interface SecRoutesOptions {
  seckill: Seckill;
  verifier: TokenVerifier;
  admission: Admission;
  answers: AnswerCounts;
}

export const secRoutes: SkPlugin<SecRoutesOptions> = async (app, { seckill, verifier, admission, answers }) => {
  app.get('/sec/list', async () => envelope(Codes.OK, { result: await seckill.list() }));

  app.get('/sec/info', { schema: { querystring: productQuery } }, async (req) =>
    envelope(Codes.OK, { result: await seckill.info(req.query.product_id) }),
  );

  app.post('/sec/kill', { schema: { body: killBody } }, async (req) => {
    const result = await answers.track(req.body.product_id, async () => {
      const identity = await authenticate(verifier, req);
      admission.admit(req, identity.userId);
      return seckill.kill(identity.userId, req.body, b3Of(req.trace));
    });
    return envelope(Codes.SECKILL_SUCCESS, { result });
  });

  app.get('/sec/result', { schema: { querystring: productQuery } }, async (req) => {
    const identity = await authenticate(verifier, req);
    return envelope(Codes.SECKILL_SUCCESS, { result: await seckill.result(identity.userId, req.query.product_id) });
  });
};
