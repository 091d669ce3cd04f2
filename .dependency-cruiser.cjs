// Package boundaries (../shared/design/ARCHITECTURE.md): dsp <- proto <- edge; control never sees edge; edge code
// never imports bin/ or the CLI; only tests and benchmarks import testing helpers; nothing imports bench/.
// `npm test` runs this first (scripts/test.mjs): a violation fails the run.
/** A dependency from `from` to `to` fails the run. */
const forbid = (name, from, to, comment) => ({ name, comment, severity: 'error', from, to });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    forbid('dsp-imports-nothing', { path: '^dsp/' }, { path: '^(proto|edge|control|bench|bin|dashboard)/' }, 'dsp is the bottom of the stack: it imports no other workspace'),
    forbid('proto-imports-only-dsp', { path: '^proto/' }, { path: '^(edge|control|bench|bin|dashboard)/' }, 'proto (and @invorto/timeline inside it) may use dsp, never edge, control, bench or bin'),
    forbid('timeline-uses-only-typed-emitter-of-dsp', { path: '^proto/timeline/' }, { path: '^dsp/', pathNot: '^dsp/src/typed-emitter\\.ts$' }, '@invorto/timeline depends on proto and on dsp\'s typed emitter only'),
    forbid('control-never-imports-edge', { path: '^control/' }, { path: '^edge/' }),
    forbid('control-not-bin', { path: '^control/', pathNot: '^control/(src/cli/|test/)' }, { path: '^bin/', dependencyTypesNot: ['type-only'] }, 'control\'s own code stays out of bin/ (as the edge\'s: the OptionSpec type of bin/options.ts only, for the modules that declare their options); its CLI commands use bin/options.ts'),
    forbid('edge-not-bin-or-cli', { path: '^edge/src/', pathNot: '^edge/src/cli/' }, { path: '^(bin/|edge/src/cli/)', dependencyTypesNot: ['type-only'] }, 'the edge runtime never imports bin/ or the CLI (bin/ imports the edge, not the other way); start-edge.ts may import the OptionSpec type of bin/options.ts'),
    forbid('only-tests-import-testing-helpers', { path: '^(dsp|proto|edge|control)/src/', pathNot: '^edge/src/providers/testing/' }, { path: '^(edge/testing/|edge/src/providers/testing/|[a-z]+/test/)' }, 'fakes and emulators are for tests and benchmarks; the product never loads them'),
    forbid('nothing-imports-bench', { path: '^(dsp|proto|edge|control|scripts)/' }, { path: '^bench/' }, 'benchmarks read everything; nothing but the `invorto bench` command imports them (tests included)'),
    forbid('not-to-unresolvable', { path: '^(dsp|proto|edge|control|bin)/' }, { couldNotResolve: true }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|build|gen|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'] },
  },
};
