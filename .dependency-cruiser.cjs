// The layering rules of src/ (README: Architecture), checked by `npm run lint` (depcruise), type imports included.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'No import cycles, type imports included.', from: {}, to: { circular: true } },
    {
      name: 'domain-imports-nothing',
      severity: 'error',
      comment: 'domain/ holds plain facts and rules: it imports nothing of the gateway or of any package.',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/|^node:|^(buffer)$', dependencyTypesNot: ['core'] },
    },
    {
      name: 'errors-imports-nothing',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'import-command-stays-framework-free',
      severity: 'error',
      comment: 'The bulk import reaches neither type-graphql nor Apollo Server (it runs without the GraphQL server).',
      from: { path: '^src/(cli/(import-unread|verify-unread|usersig)\\.ts|import/)' },
      to: { path: 'node_modules/(type-graphql|@apollo/server|@apollo/subgraph)/', reachable: true },
    },
    {
      name: 'below-graphql',
      severity: 'error',
      comment: 'The core (tencent, outbound, writes, groups, replicas, auth, config, domain) knows nothing of GraphQL or HTTP.',
      from: { path: '^src/(tencent|outbound|writes|reads|groups|replicas|auth|config|domain|lib|import)/|^src/(core|errors)\\.ts$' },
      to: { path: '^src/(graphql|http)/|^src/app\\.ts$|node_modules/(type-graphql|@apollo/server|graphql)/' },
    },
    {
      name: 'tencent-is-the-bottom',
      severity: 'error',
      comment: 'The IM client and commands know nothing of the layers above them.',
      from: { path: '^src/tencent/' },
      to: { path: '^src/(outbound|writes|groups|replicas|auth|core\\.ts)' },
    },
    {
      name: 'outbound-below-writes',
      severity: 'error',
      from: { path: '^src/outbound/' },
      to: { path: '^src/(writes|groups|auth)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
