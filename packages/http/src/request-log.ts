import type { FastifyInstance } from 'fastify';

const ENVELOPE_HEAD = '{"code":';

/**
 * One line per answer: trace id, route, HTTP status, the envelope's code and the time taken. Written
 * when the answer is handed over, the one point where its serialized body is at hand.
 */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onSend', (req, reply, payload, done) => {
    req.log.info(
      {
        trace_id: req.trace?.traceId,
        route: req.routeOptions.url,
        method: req.method,
        status: reply.statusCode,
        code: envelopeCode(payload),
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'answered',
    );
    done(null, payload);
  });
}

/** The envelope's code, which leads its JSON (`{"code":1002,...`): read from the first bytes, not parsed. */
function envelopeCode(payload: unknown): number | undefined {
  const head = typeof payload === 'string' ? payload.slice(0, 16) : Buffer.isBuffer(payload) ? payload.toString('latin1', 0, 16) : '';
  if (!head.startsWith(ENVELOPE_HEAD)) return undefined;
  const code = Number.parseInt(head.slice(ENVELOPE_HEAD.length), 10);
  return Number.isNaN(code) ? undefined : code;
}
