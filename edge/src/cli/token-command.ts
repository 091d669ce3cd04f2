// `invorto token`: mints a signed, expiring media token for a tenant's agent, to put in the carrier's stream URL.
import { helpText, parseOptions } from '../../../bin/options.ts';
import { mintMediaToken } from '../auth/media-token.ts';
import { localMediaTokenSecret } from '../auth/local-secret.ts';

const tokenOptions = {
  tenant: { default: 'default', description: 'tenant the calls belong to' },
  agent: { default: 'demo', description: 'agent that answers them' },
  'ttl-s': { default: 3600, description: 'seconds the token stays valid' },
  'media-token-secret': { env: 'INVORTO_MEDIA_TOKEN_SECRET', default: '', description: 'the edge\'s secret (else the one `invorto start` keeps in the data dir)', secret: true },
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'where `invorto start` keeps its secret' },
};

export async function run(argv: string[]): Promise<number> {
  const { values, help } = parseOptions(tokenOptions, argv);
  if (help) {
    console.log(helpText('usage: invorto token [--tenant T] [--agent A] [--ttl-s 3600]', tokenOptions));
    return 0;
  }
  const secret = localMediaTokenSecret(values['media-token-secret'], values['data-dir']);
  if (!secret) {
    console.error('invorto token: no secret: set INVORTO_MEDIA_TOKEN_SECRET, or run where `invorto start` keeps its data dir');
    return 2;
  }
  console.log(mintMediaToken(secret, { tenantId: values.tenant, agentId: values.agent, expiresAt: Date.now() / 1000 + values['ttl-s'] }));
  return 0;
}
