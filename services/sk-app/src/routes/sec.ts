import { errorCodes, type FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import {
  GATEWAY_HEADERS,
  KILL_BATCH_BODY_LIMIT,
  KILL_BATCH_PATH,
  killBatchSchema,
  sealedFields,
  type AnswerCounts,
  type KillBatch,
  type KillBatchAnswer,
} from '@sk/seckill';
import { authenticate, authenticateBearer, type TokenVerifier } from '@sk/identity';
import { Codes, SkError, answerForError, bodyFieldErrors, envelope, type GatewaySeal, type SkPlugin } from '@sk/http';
import { b3Of } from '@sk/tracing';
import type { Admission } from '../admission.js';
import { originOf, type RequestOrigin } from '../client-ip.js';
import { killBatchMetrics } from '../metrics.js';
import type { KillRequest, Seckill } from '../seckill.js';

const productQuery = z.object({ product_id: z.coerce.number().int().positive() });
const resultQuery = productQuery.extend({ nonce: z.string().min(8).max(64).optional() });

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
  /** Requests without the gateway's seal are refused 403/1112; none checked when absent (sk-app alone in tests). */
  seal?: GatewaySeal | undefined;
}

const NOT_THROUGH_GATEWAY = new SkError(Codes.FORBIDDEN, 'only requests through the gateway are served');

export const secRoutes: SkPlugin<SecRoutesOptions> = async (app, { seckill, verifier, admission, answers, seal }) => {
  const batchMetrics = killBatchMetrics(app.metrics);
  const sealed = seal !== undefined;
  if (seal) {
    app.addHook('onRequest', (req, _reply, done) => {
      done(
        seal.verify(sealedFields(req.method, req.url, req.headers), req.headers[GATEWAY_HEADERS.seal]) ? undefined : NOT_THROUGH_GATEWAY,
      );
    });
  }
  /** One purchase attempt, however it arrived: its success envelope, or the refusal thrown. */
  const attempt = async (authorization: string | undefined, origin: RequestOrigin, body: KillRequest, trace?: Record<string, string>) => {
    const result = await answers.track(body.product_id, async () => {
      const identity = await authenticateBearer(verifier, authorization);
      admission.admit(origin, identity.userId);
      return seckill.kill(identity.userId, body, trace);
    });
    return envelope(Codes.SECKILL_SUCCESS, { result });
  };

  /** A kill of the gateway's batch, answered as the error handler would answer it alone. */
  const answerBatched = async (kill: KillBatch['kills'][number], peer: string, log: FastifyBaseLogger): Promise<KillBatchAnswer> => {
    try {
      const body = killBody.safeParse(parseJsonBody(kill.body));
      if (!body.success) throw SkError.invalid(bodyFieldErrors(body.error.issues));
      const success = await attempt(kill.authorization, { peer, forwardedIp: kill.client_ip, sealed }, body.data);
      batchMetrics.answered(Codes.SECKILL_SUCCESS.status, success.code);
      return { status: Codes.SECKILL_SUCCESS.status, body: JSON.stringify(success) };
    } catch (err) {
      const answer = answerForError(err);
      if (answer.unexpected) log.error({ err }, 'batched kill failed');
      batchMetrics.answered(answer.status, answer.body.code);
      return { status: answer.status, ...(answer.headers ? { headers: answer.headers } : {}), body: JSON.stringify(answer.body) };
    }
  };

  app.get('/sec/list', async () => envelope(Codes.OK, { result: await seckill.list() }));

  app.get('/sec/info', { schema: { querystring: productQuery } }, async (req) =>
    envelope(Codes.OK, { result: await seckill.info(req.query.product_id) }),
  );

  app.post('/sec/kill', { schema: { body: killBody } }, (req) =>
    attempt(req.headers.authorization, originOf(req, sealed), req.body, b3Of(req.trace)),
  );

  app.post(KILL_BATCH_PATH, { schema: { body: killBatchSchema }, bodyLimit: KILL_BATCH_BODY_LIMIT }, async (req) => {
    const peer = req.socket.remoteAddress ?? '';
    batchMetrics.received(req.body.kills.length);
    return { answers: await Promise.all(req.body.kills.map((kill) => answerBatched(kill, peer, req.log))) };
  });

  app.get('/sec/result', { schema: { querystring: resultQuery } }, async (req) => {
    const identity = await authenticate(verifier, req);
    return envelope(Codes.SECKILL_SUCCESS, await seckill.result(identity.userId, req.query.product_id, req.query.nonce));
  });
};

/** A batched kill's body, refused with the errors fastify's JSON parser gives a single one. */
function parseJsonBody(raw: string): unknown {
  if (raw.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  try {
    return JSON.parse(raw);
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
}
