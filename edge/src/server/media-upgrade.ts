// Who may open a media socket: the protocol named in the path, a signed media token (or a tenant API key checked
// with control), Twilio's signature when configured, and room on the node. A refused upgrade is answered with the
// status and a reason the carrier's operator can act on, and reported to the call host (metrics observe it).
// uWS rules kept here: read the request before any await, onAborted on a deferred response, cork the late write.
import type { AgentSource } from '../agents/agent-source.ts';
import { streamAgent } from '../agents/stream-agent.ts';
import type { EdgeSecrets } from '../auth/edge-secrets.ts';
import { verifyMediaToken } from '../auth/media-token.ts';
import { validTwilioSignature } from '../auth/twilio-signature.ts';
import type { MediaStreamProtocol } from '../transports/types.ts';
import type { Logger } from '../util/log.ts';
import type { CallHost } from './call-host.ts';
import { MediaSockets, type Connection } from './media-socket.ts';
import type { uWS } from './uws.ts';

export interface MediaUpgradeOptions {
  protocols: Record<string, MediaStreamProtocol>;
  host: CallHost;
  sockets: MediaSockets;
  agents: AgentSource;
  log: Logger;
  /** Read at each upgrade: a reload applies to the next socket, never to one already open. */
  secrets: Pick<EdgeSecrets, 'mediaTokenSecret' | 'twilioAuthToken'>;
  /** The edge's URL as carriers reach it; default: its own address. */
  publicUrl: () => string;
}

type UpgradeKeys = { key: string; protocol: string; extensions: string };

export function mediaUpgrade(options: MediaUpgradeOptions): (res: uWS.HttpResponse, req: uWS.HttpRequest, context: uWS.us_socket_context_t) => void {
  const { protocols, host, sockets, log } = options;
  const full = () => sockets.size >= host.maxCalls || host.full;
  return (res, req, context) => {
    const name = req.getParameter(0) ?? '';
    const protocol = protocols[name];
    if (!protocol) {
      res.writeStatus('404 Not Found').end(`unknown media protocol "${name}" (have: ${Object.keys(protocols).join(', ')})`);
      return;
    }
    const token = req.getQuery('token') || req.getHeader('x-invorto-token');
    const apiKey = req.getHeader('x-invorto-api-key') || req.getQuery('api_key') || '';
    const refuse = (status: string, reason: string) => {
      if (status.startsWith('503')) host.refuse(name, 'capacity');
      else if (status.startsWith('401')) host.refuse(name, 'auth');
      else host.report('protocolError', { transport: name });
      log.warn({ transport: name, reason }, 'media socket refused');
      res.writeStatus(status).end(reason);
    };
    if (!token && apiKey) {
      // A tenant API key is checked with control, asynchronously: keep what the upgrade needs before awaiting.
      // `number` (E.164, of the key's tenant) addresses the call like a dialled number; else `agent` names the agent.
      const asked = { agent: req.getQuery('agent') ?? '', number: req.getQuery('number') ?? '' };
      const upgrade = { key: req.getHeader('sec-websocket-key'), protocol: req.getHeader('sec-websocket-protocol'), extensions: req.getHeader('sec-websocket-extensions') };
      let aborted = false;
      res.onAborted(() => { aborted = true; });
      void options.agents.tenantForApiKey(apiKey).then(async (tenantId) => {
        const agent = tenantId ? await streamAgent(options.agents, tenantId, asked) : null;
        if (aborted) return;
        res.cork(() => {
          if (!tenantId || !agent) return refuse('401 Unauthorized', 'unknown API key');
          if ('status' in agent) return refuse(agent.status, agent.reason);
          if (full()) return refuse('503 Service Unavailable', 'this edge node is at its call limit; try another');
          accept(res, MediaSockets.connection(protocol, tenantId, agent.agentId), upgrade, context);
        });
      });
      return;
    }
    const claims = token ? verifyMediaToken(options.secrets.mediaTokenSecret, token) : { error: 'no media token (add ?token=… to the media URL) or tenant API key' };
    if ('error' in claims) {
      refuse('401 Unauthorized', claims.error);
      return;
    }
    const twilioAuthToken = options.secrets.twilioAuthToken;
    if (name === 'twilio' && twilioAuthToken) {
      const query = req.getQuery();
      const url = `${options.publicUrl()}${req.getUrl()}${query ? `?${query}` : ''}`;
      if (!validTwilioSignature(twilioAuthToken, url, req.getHeader('x-twilio-signature'))) {
        host.report('protocolError', { transport: name });
        log.warn({ transport: name, reason: 'bad X-Twilio-Signature' }, 'media socket refused');
        res.writeStatus('403 Forbidden').end('X-Twilio-Signature does not match (check INVORTO_TWILIO_AUTH_TOKEN and INVORTO_PUBLIC_URL)');
        return;
      }
    }
    if (full()) {
      host.refuse(name, 'capacity');
      log.warn({ transport: name, calls: sockets.size }, 'media socket refused: node full');
      res.writeStatus('503 Service Unavailable').end('this edge node is at its call limit; try another');
      return;
    }
    accept(res, MediaSockets.connection(protocol, claims.tenantId, claims.agentId), { key: req.getHeader('sec-websocket-key'), protocol: req.getHeader('sec-websocket-protocol'), extensions: req.getHeader('sec-websocket-extensions') }, context);
  };
}

/**
 * Upgrades to the media socket, telling the carrier the call's id (`x-invorto-call-id`), by which its timeline and
 * record are found. uWS sends headers written before upgrade() only after an explicit 101 status.
 */
function accept(res: uWS.HttpResponse, connection: Connection, upgrade: UpgradeKeys, context: uWS.us_socket_context_t): void {
  res.writeStatus('101 Switching Protocols').writeHeader('x-invorto-call-id', connection.id);
  res.upgrade(connection, upgrade.key, upgrade.protocol, upgrade.extensions, context);
}
