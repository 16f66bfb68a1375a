import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, type SkFastify } from '@sk/http';

/**
 * OpenAPI 3 generated from the routes' zod schemas, at `/docs/json`, and Swagger UI at `/docs`.
 * Called on the root instance before the routes are registered: the document lists the routes
 * added after it. Public on sk-admin's own port; the gateway forwards only `/admin/*`.
 */
export function openApi(app: SkFastify): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'sk-admin', version: '1.0.0', description: 'Operators’ API of the flash-sale suite (CONTRACT §5).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    transform: jsonSchemaTransform,
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
}

/** Marks the routes of the plugin it is added to as needing a bearer token in the document. */
export function documentBearer(app: SkFastify) {
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: [{ bearer: [] }] };
  });
}
