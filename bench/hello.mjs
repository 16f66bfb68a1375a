// The "hello" ceiling: a bare fastify server, run by bench/run.mjs in a child process so that it gets
// its own core, like each service does. Reports its port to the parent over IPC and exits with it.
import { createRequire } from 'node:module';

// fastify is a dependency of the services, not of the root: resolve it from the gateway's package.
const require = createRequire(new URL('../services/gateway/package.json', import.meta.url));
const Fastify = require('fastify');

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
const { port } = app.server.address();

if (process.send) {
  process.send({ port });
  // Never outlive the bench, even if it dies without killing us.
  process.on('disconnect', () => process.exit(0));
} else {
  console.log(`hello server on http://127.0.0.1:${port}/`);
}
