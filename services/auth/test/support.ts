import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { CheckTokenResponse } from '@sk/rpc';
import type { RowDataPacket } from 'mysql2/promise';
import { loadConfig } from '@sk/config';
import type { SkFastify } from '@sk/http';
import { hashPassword } from '@sk/identity';
import { createMysql, type Pool } from '@sk/storage';
import type { Isolation } from '@sk/test-support';
import { buildApp } from '../src/app.js';
import { prepareAuth, type Auth } from '../src/auth.js';
import { configSchema } from '../src/config.js';

export interface AuthInstance extends Auth {
  app: SkFastify;
  pool: Pool;
  close(): Promise<void>;
}

/** One auth instance in-process (no port), on the isolation's database or another MySQL URL. */
export async function startAuth(iso: Isolation, env: Record<string, string> = {}): Promise<AuthInstance> {
  const config = loadConfig(configSchema, { ...iso.env, ...env });
  const pool = await createMysql(config.MYSQL_URL);
  const auth = await prepareAuth(pool, config);
  const app = buildApp({ pool, tokens: auth.tokens, keys: auth.keys, logLevel: 'silent' });
  await app.ready();
  return {
    ...auth,
    app,
    pool,
    async close() {
      await app.close();
      await pool.end();
    },
  };
}

/** A shopper as sk-admin would create it. */
export async function createUser(pool: Pool, username: string, password: string): Promise<number> {
  await pool.execute('INSERT INTO users (username, password_hash) VALUES (?, ?)', [username, await hashPassword(password)]);
  const [rows] = await pool.execute<RowDataPacket[]>('SELECT id FROM users WHERE username = ?', [username]);
  return Number(rows[0]!.id);
}

export function passwordGrant(app: SkFastify, username: string, password: string) {
  return app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'password', username, password } });
}

export function refreshGrant(app: SkFastify, refreshToken: string) {
  return app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: 'refresh_token', refresh_token: refreshToken } });
}

export type AuthClient = grpc.Client & {
  CheckToken(request: { token: string }, callback: (err: grpc.ServiceError | null, res: CheckTokenResponse) => void): void;
};

/** A client built from the proto the way another service would. */
export function authClient(port: number): AuthClient {
  const definition = protoLoader.loadSync(fileURLToPath(new URL('../../../proto/auth.proto', import.meta.url)), {
    keepCase: true,
    longs: Number,
    defaults: true,
  });
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    sk: { auth: { AuthService: new (address: string, credentials: grpc.ChannelCredentials) => AuthClient } };
  };
  return new proto.sk.auth.AuthService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

export function checkToken(client: AuthClient, token: string): Promise<CheckTokenResponse> {
  return new Promise((resolve, reject) => client.CheckToken({ token }, (err, res) => (err ? reject(err) : resolve(res))));
}
