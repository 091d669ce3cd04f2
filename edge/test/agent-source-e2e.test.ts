// A real edge and a real control: a SIP INVITE to a number added through the API rings that number's agent, an
// unknown number gets 404; a media stream opened with a tenant API key may name the number instead of the agent.
import { createSocket, type Socket } from 'node:dgram';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { dialects, INTERNAL_TOKEN, startTestControl, type TestControl } from '../../control/test/helpers/test-control.ts';
import { startTestEdge, type EdgeHarness } from './helpers/edge-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => { ws.close(); resolve(101); });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

const SDP = ['v=0', 'o=caller 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

describe.each(dialects())('calls addressed by phone number, edge and control on %s', (dialect) => {
  let t: TestControl;
  let harness: EdgeHarness;
  let other: { tenantId: string; apiKey: string };
  let sip: Socket;
  let responses: string[];

  beforeAll(async () => {
    t = await startTestControl(dialect);
    const { id: _id, tenantId: _tenant, ...settings } = demoAgent('x');
    expect((await t.api('/v1/agents', { method: 'POST', json: { id: 'sales', ...settings, name: 'Sales' } })).status).toBe(201);
    expect((await t.api('/v1/numbers', { method: 'POST', json: { number: '+14155550100', agentId: 'sales' } })).status).toBe(201);
    other = await t.newTenant();
    await t.api('/v1/agents', { method: 'POST', json: { id: 'theirs', ...settings }, as: other.apiKey });
    expect((await t.api('/v1/numbers', { method: 'POST', json: { number: '+442071838750', agentId: 'theirs' }, as: other.apiKey })).status).toBe(201);
    harness = await startTestEdge({}, { controlUrl: t.internalUrl, internalToken: INTERNAL_TOKEN, sip: true });
    sip = createSocket('udp4');
    await new Promise<void>((r) => sip.bind(0, '127.0.0.1', () => r()));
    responses = [];
    sip.on('message', (m) => responses.push(m.toString()));
  });
  afterAll(async () => {
    sip?.close();
    await harness?.close();
    await t?.close();
  });

  async function invite(user: string, callId: string): Promise<string> {
    const port = harness.edge.sip!.port;
    const me = sip.address().port;
    sip.send([
      `INVITE sip:${user}@127.0.0.1:${port} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${me};branch=z9hG4bK${callId}`, 'Max-Forwards: 70',
      'From: <sip:carrier@127.0.0.1>;tag=c1', `To: <sip:${user}@127.0.0.1:${port}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE',
      `Contact: <sip:carrier@127.0.0.1:${me}>`, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(SDP)}`, '', SDP,
    ].join('\r\n'), port, '127.0.0.1');
    const final = () => responses.find((r) => r.includes(`Call-ID: ${callId}`) && /^SIP\/2\.0 [2-6]\d\d/.test(r));
    for (let i = 0; i < 1000 && !final(); i++) await sleep(10);
    return final()?.split('\r\n')[0] ?? 'no answer';
  }

  it("rings the number's agent over SIP, and answers an unknown number with 404 and a log line", async () => {
    expect(await invite('+14155550100', 'e2e-known')).toBe('SIP/2.0 200 OK');
    const started = harness.logs.find((l) => l.msg === 'SIP call answered' && l.callId === 'e2e-known');
    expect(started).toMatchObject({ agentId: 'sales' });
    expect(await invite('+14155550111', 'e2e-unknown')).toBe('SIP/2.0 404 Not Found');
    expect(harness.logs).toContainEqual(expect.objectContaining({ dialled: '+14155550111', msg: expect.stringContaining('no agent answers +14155550111') }));
  });

  it('lets a media stream name its number (of the key\'s tenant) instead of its agent', async () => {
    expect(await upgradeStatus(`${harness.bareMediaUrl}?api_key=${t.apiKey}&number=%2B14155550100`)).toBe(101);
    expect(await upgradeStatus(`${harness.bareMediaUrl}?api_key=${t.apiKey}&number=%2B14155550111`)).toBe(404);
    // Another tenant's number is as unknown as one nobody has; to its own tenant it answers.
    expect(await upgradeStatus(`${harness.bareMediaUrl}?api_key=${t.apiKey}&number=%2B442071838750`)).toBe(404);
    expect(await upgradeStatus(`${harness.bareMediaUrl}?api_key=${other.apiKey}&number=%2B442071838750`)).toBe(101);
    expect(await upgradeStatus(`${harness.bareMediaUrl}?api_key=${t.apiKey}&number=sales`)).toBe(400);
  });
});
