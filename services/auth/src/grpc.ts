import * as grpc from '@grpc/grpc-js';
import { authServiceDefinition, type CheckAnswerSeal, type CheckTokenRequest, type CheckTokenResponse } from '@sk/rpc';
import type { Tracing } from '@sk/tracing';
import type { TokenService } from './tokens.js';

const INVALID = { valid: false, user_id: 0, username: '', roles: [], expires_at: 0 };

export interface GrpcServer {
  port: number;
  close(): Promise<void>;
}

/** Serves `sk.auth.AuthService` on `host:port` (port 0: an ephemeral one, reported back), each answer sealed. */
export async function startGrpcServer(
  tokens: Pick<TokenService, 'check'>,
  seal: CheckAnswerSeal,
  host: string,
  port: number,
  tracing?: Tracing,
): Promise<GrpcServer> {
  const server = new grpc.Server();
  server.addService(authServiceDefinition(), {
    CheckToken(call: grpc.ServerUnaryCall<CheckTokenRequest, CheckTokenResponse>, callback: grpc.sendUnaryData<CheckTokenResponse>) {
      // The caller's B3 fields arrive as metadata: this check joins its trace.
      const span = tracing?.child(Object.fromEntries(Object.entries(call.metadata.getMap()).map(([k, v]) => [k, String(v)])), 'CheckToken');
      tokens.check(call.request.token).then(
        (claims) => {
          span?.finish({ valid: String(claims !== null) });
          const answer = claims
            ? { valid: true, user_id: claims.userId, username: claims.username, roles: claims.roles, expires_at: claims.expiresAt }
            : INVALID;
          callback(null, seal.seal(call.request.token, answer));
        },
        (err: Error) => {
          span?.finish({ error: err.message });
          callback({ code: grpc.status.UNAVAILABLE, details: err.message });
        },
      );
    },
  });
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const boundPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        // Calls in flight get a moment to finish; then the rest are cut.
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 3_000);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
