/**
 * The import rules, checked by `pnpm run lint` (so by ./sk test, and so by CI):
 * - a package (packages/*) never imports a service (services/*);
 * - a service never imports another service: what two share lives in a package;
 * - code reaches another workspace package by its name (`@sk/x`), never by a path into its src/ or dist/;
 * - no import cycles, type-only imports included (tsPreCompilationDeps: dependencies are read from
 *   the TypeScript, where `import type` still is, not from the compiled JavaScript).
 * The suite's own tests (test/) may import whatever they need, but may not close a cycle.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (type-only imports count): move what both sides need into a module of its own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'packages-not-services',
      severity: 'error',
      comment: 'Packages are what the services share: none depends on a service.',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'services-not-each-other',
      severity: 'error',
      comment: 'A service never imports another service: share the code through a package (@sk/...).',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'web-not-services',
      severity: 'error',
      comment: 'The pages reach the services over HTTP only.',
      from: { path: '^web/' },
      to: { path: '^services/' },
    },
    {
      name: 'no-deep-package-imports',
      severity: 'error',
      comment: 'Import another workspace package by its name (@sk/x), not by a path into its src/ or dist/.',
      from: { path: '^(packages|services|web)/([^/]+)/' },
      to: { path: '^packages/[^/]+/(src|dist)/', pathNot: '^$1/$2/', dependencyTypes: ['local'] },
    },
  ],
  options: {
    // `@sk/x` resolves to packages/x/dist (built by tsc -b): a leaf here, its source is cruised as packages/x/src.
    doNotFollow: { path: ['node_modules', '/dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
