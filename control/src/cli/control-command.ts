// `invorto control`: the control service on its own.
import { randomBytes } from 'node:crypto';
import { helpText, parseOptions } from '../../../bin/options.ts';
import { holdReloadSignals, untilSignal } from '../../../bin/signals.ts';
import { controlOptions, controlStartOptions, startControl } from '../start-control.ts';

export async function run(argv: string[]): Promise<number> {
  const { values, help } = parseOptions(controlOptions, argv);
  if (help) {
    console.log(helpText('usage: invorto control [options]', controlOptions));
    return 0;
  }
  const whenReady = holdReloadSignals();
  const internalToken = values['internal-token'] || randomBytes(24).toString('base64url');
  const control = await startControl({ ...controlStartOptions(values), internalToken });
  console.log(`control listening on ${control.url} (API docs: ${control.url}/docs); internal API for edges on ${control.internalUrl}`);
  console.log(values['s3-bucket'] ? `call artifacts in S3 bucket ${values['s3-bucket']}${values['s3-endpoint'] ? ` at ${values['s3-endpoint']}` : ''}` : `call artifacts on local disk under ${values['data-dir']}/artifacts`);
  if (control.newApiKey) console.log(`API key of the default tenant (shown once): ${control.newApiKey}`);
  if (control.newLogin) console.log(`dashboard login (one-time password, shown once): ${control.newLogin.email} / ${control.newLogin.password}`);
  if (!values['internal-token']) console.log('INVORTO_INTERNAL_TOKEN was not set: edges cannot read agents from this control (set it on both).');
  // Control's secrets are read once at start; SIGHUP (sent to every Invorto process on a reload) must not stop it.
  whenReady(() => console.log('SIGHUP: control has no secrets to reload (restart it to change them)'));
  await untilSignal();
  await control.close();
  return 0;
}
