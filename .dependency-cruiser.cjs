// Package boundaries (../shared/design/ARCHITECTURE.md): dsp <- proto <- edge; control never sees edge; edge code
// never imports bin/ or the CLI; only tests and benchmarks import testing helpers; nothing imports bench/.
// `npm test` runs this first (scripts/test.mjs): a violation fails the run.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'dsp-imports-nothing',
      comment: 'dsp is the bottom of the stack: it imports no other workspace',
      severity: 'error',
      from: { path: '^dsp/' },
      to: { path: '^(proto|edge|control|bench|bin|dashboard)/' },
    },
    {
      name: 'proto-imports-only-dsp',
      comment: 'proto (and @invorto/timeline inside it) may use dsp, never edge, control, bench or bin',
      severity: 'error',
      from: { path: '^proto/' },
      to: { path: '^(edge|control|bench|bin|dashboard)/' },
    },
    {
      name: 'timeline-uses-only-typed-emitter-of-dsp',
      comment: '@invorto/timeline depends on proto and on dsp\'s typed emitter only',
      severity: 'error',
      from: { path: '^proto/timeline/' },
      to: { path: '^dsp/', pathNot: '^dsp/src/typed-emitter\\.ts$' },
    },
    {
      name: 'control-never-imports-edge',
      severity: 'error',
      from: { path: '^control/' },
      to: { path: '^edge/' },
    },
    {
      name: 'control-not-bin',
      comment: 'control\'s own code stays out of bin/; its CLI commands and, until the Fastify rewrite lands, start-control.ts (OptionSpec) may use bin/options.ts',
      severity: 'error',
      from: { path: '^control/', pathNot: '^control/(src/cli/|src/start-control\\.ts$|test/)' },
      to: { path: '^bin/' },
    },
    {
      name: 'edge-not-bin-or-cli',
      comment: 'the edge runtime never imports bin/ or the CLI (bin/ imports the edge, not the other way); start-edge.ts may import the OptionSpec type of bin/options.ts',
      severity: 'error',
      from: { path: '^edge/src/', pathNot: '^edge/src/cli/' },
      to: { path: '^(bin/|edge/src/cli/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-tests-import-testing-helpers',
      comment: 'fakes and emulators are for tests and benchmarks; the product never loads them',
      severity: 'error',
      from: { path: '^(dsp|proto|edge|control)/src/', pathNot: '^edge/src/providers/testing/' },
      to: { path: '^(edge/testing/|edge/src/providers/testing/|[a-z]+/test/)' },
    },
    {
      name: 'nothing-imports-bench',
      comment: 'benchmarks read everything; nothing but the `invorto bench` command imports them (tests included)',
      severity: 'error',
      from: { path: '^(dsp|proto|edge|control|scripts)/' },
      to: { path: '^bench/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^(dsp|proto|edge|control|bin)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|build|gen|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'] },
  },
};
