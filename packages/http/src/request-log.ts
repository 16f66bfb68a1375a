import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/**
 * One line per answer: trace id, route, HTTP status, the envelope's code and the time taken,
 * written once the answer is handed over (see installAnswerCode, which calls it).
 */
export function requestLine(log: Logger): (req: FastifyRequest, reply: FastifyReply) => void {
  return (req, reply) =>
    log.info(
      {
        reqId: req.id,
        trace_id: req.trace?.traceId,
        route: req.route,
        method: req.method,
        status: reply.statusCode,
        code: req.answerCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'answered',
    );
}
