// `npm run test:node-versions` (scripts/test-node-versions.mjs): the suite of vitest.config.ts on Node 22 and 24.
// Where no uWebSockets.js build loads on that Node (INVORTO_TEST_WITHOUT_UWS, set by the script with its reason),
// the test files that start an edge server, or a process that does, are left out; everything else runs.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

/** Test files that start the uWebSockets.js edge server (in process, or as a child process) somewhere in them. */
export const EDGE_SERVER_TESTS: string[] = [
  'bench/test/load.test.ts',
  'dashboard/test/live-monitor.e2e.test.ts',
  'dashboard/test/recording-player.e2e.test.ts',
  'edge/test/agent-source-e2e.test.ts',
  'edge/test/control-heartbeat-e2e.test.ts',
  'edge/test/e2e/bad-input.test.ts',
  'edge/test/e2e/bench-turns.test.ts',
  'edge/test/e2e/budget-limits.test.ts',
  'edge/test/e2e/budget-mid-call.test.ts',
  'edge/test/e2e/call-command.test.ts',
  'edge/test/e2e/conversation-ducking.test.ts',
  'edge/test/e2e/conversation-noisy-lines.test.ts',
  'edge/test/e2e/conversation-speculative.test.ts',
  'edge/test/e2e/conversation-tools.test.ts',
  'edge/test/e2e/conversation.test.ts',
  'edge/test/e2e/hard-edges.test.ts',
  'edge/test/e2e/leaks.test.ts',
  'edge/test/e2e/multilingual-call.test.ts',
  'edge/test/e2e/offline-call.test.ts',
  'edge/test/e2e/protocols.test.ts',
  'edge/test/e2e/provider-failover.test.ts',
  'edge/test/e2e/provider-fallback.test.ts',
  'edge/test/e2e/provider-stream.test.ts',
  'edge/test/e2e/recording-crash.test.ts',
  'edge/test/e2e/recording.test.ts',
  'edge/test/e2e/runtime-teardown.test.ts',
  'edge/test/e2e/secrets-reload-auth.test.ts',
  'edge/test/e2e/secrets-reload.test.ts',
  'edge/test/e2e/sip-fuzz.test.ts',
  'edge/test/e2e/sip-tools.test.ts',
  'edge/test/e2e/sip.test.ts',
  'edge/test/e2e/start-command.test.ts',
  'edge/test/e2e/usage-by-engine.test.ts',
  'edge/test/e2e/vendor-call.test.ts',
  'edge/test/e2e/workers.test.ts',
  'edge/test/fuzz-protocols.test.ts',
  'edge/test/live/live-loss.test.ts',
  'edge/test/live/live-monitor.test.ts',
  'edge/test/live/live-watching.test.ts',
  'edge/test/recording/disk-full.test.ts',
  'edge/test/sip-auth.test.ts',
  'edge/test/sip-loss.test.ts',
  'edge/test/sip-timer-h.test.ts',
  'scripts/test/deploy-image-layout.test.ts',
];

export default mergeConfig(base, defineConfig({
  test: { exclude: process.env.INVORTO_TEST_WITHOUT_UWS ? ['**/node_modules/**', ...EDGE_SERVER_TESTS] : ['**/node_modules/**'] },
}));
