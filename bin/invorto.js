#!/usr/bin/env node
// The `invorto` command. TypeScript sources run through tsx's loader, so there is no separate compile step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
