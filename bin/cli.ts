// Subcommand registry: each command lives in the package it belongs to and is loaded only when it is used.
import { OptionError } from './options.ts';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  start: { summary: 'run control and edge together on embedded defaults', load: () => import('./start.ts') },
  edge: { summary: 'run an edge node (media WebSockets, agent runtime, /metrics)', load: () => import('../edge/src/cli/edge-command.ts') },
  control: { summary: 'run the control service (HTTP API, embedded database)', load: () => import('../control/src/cli/control-command.ts') },
  admin: { summary: 'create a tenant and its owner, reset a password, make an API key (in the database)', load: () => import('../control/src/cli/admin-command.ts') },
  call: { summary: 'place a simulated call from a WAV file and record the reply', load: () => import('../edge/src/cli/call-command.ts') },
  token: { summary: 'mint a signed, expiring media token for a tenant\'s agent', load: () => import('../edge/src/cli/token-command.ts') },
  timeline: { summary: 'print a call\'s timeline (JSON lines, in order) from Redis or the embedded log', load: () => import('../edge/src/cli/timeline-command.ts') },
  vad: { summary: 'run VAD + endpointing over a WAV file, print JSON', load: () => import('../dsp/src/cli/vad-command.ts') },
  jitter: { summary: 'run the jitter buffer over an RTP arrival trace (CSV), print JSON', load: () => import('../dsp/src/cli/jitter-command.ts') },
  pricing: { summary: 'the price book, USD→INR rates and tenants\' terms (operator): list, set, fx, tenant', load: () => import('../control/src/cli/pricing-command.ts') },
  artifacts: { summary: 'call recordings and artifacts: list, download (resumable), sync local disk to S3', load: () => import('../control/src/cli/artifacts-command.ts') },
  bench: { summary: 'run benchmarks: `invorto bench dsp` …', load: () => import('../bench/src/cli.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: invorto <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
    `Run \`invorto <command> --help\` for a command's options. Every option also has an environment variable (README).`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`invorto: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  try {
    return await module.run(rest);
  } catch (error) {
    // A bad flag or value is the user's to fix: say which, without a stack trace.
    if (error instanceof OptionError) {
      console.error(`invorto ${name}: ${error.message}\nRun \`invorto ${name} --help\` for the options.`);
      return 2;
    }
    throw error;
  }
}
