// Layer rules of DESIGN.md ("Layers and what each may import"), checked by `npm test`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-imports-only-core',
      comment: 'src/core is pure computation: it imports nothing of ours outside core',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'core-no-io',
      comment: 'src/core does no I/O: no Node built-ins, and packages only for pure computation',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-pure-packages-only',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['npm'], pathNot: 'node_modules/(@sinclair/typebox|@tensorflow/|ml-matrix)' },
    },
    {
      name: 'adapters-import-core-only',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/adapters/$1/'] },
    },
    {
      name: 'apps-import-core-only',
      severity: 'error',
      from: { path: '^src/apps/([^/]+)/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/apps/$1/'] },
    },
    {
      name: 'sim-imports-core-only',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/sim/'] },
    },
    {
      name: 'ml-numerics-import-no-models',
      comment:
        'src/core/ml by role: numerics (kernels, matrices, metrics) ← models ← lifecycle (train, store, serve)',
      severity: 'error',
      from: { path: '^src/core/ml/numerics/' },
      to: { path: '^src/core/ml/(models|lifecycle)/' },
    },
    {
      name: 'ml-models-import-no-lifecycle',
      severity: 'error',
      from: { path: '^src/core/ml/models/' },
      to: { path: '^src/core/ml/lifecycle/' },
    },
    {
      name: 'workspace-imports-core-and-adapters',
      comment:
        'src/workspace opens a data directory: it wires adapters, and is used by the server and the CLI',
      severity: 'error',
      from: { path: '^src/workspace/' },
      to: { path: '^src/', pathNot: ['^src/core/', '^src/adapters/', '^src/workspace/'] },
    },
    {
      name: 'server-does-not-import-cli',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
  },
};
