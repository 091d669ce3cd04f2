// The built-in tools on a SIP call: transfer_call becomes a REFER in the caller's dialog, end_call a BYE, each sent
// after the agent's last words have played. ASR and TTS are Deepgram's (emulated, so the caller's words are exactly
// the script's), the LLM the offline scripted one that asks for the tools.
import { createSocket, type Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { buildRtp } from '@invorto/dsp/rtp.ts';
import { startDeepgramEmulator } from '../../testing/emulators/index.ts';
import { silenceFrames, speechFrames } from '../../src/sim/caller-sounds.ts';
import { startTestEdge, type EdgeHarness } from '../helpers/edge-harness.ts';
import { readTimeline, readTimelineWhen } from '../helpers/timeline.ts';

const agent = {
  ...demoAgent('default'),
  greeting: 'Hello.',
  tools: { builtins: ['end_call', 'transfer_call'] as ('end_call' | 'transfer_call')[], transferTargets: ['+919876543210'] },
  intents: [
    { name: 'transfer', match: ['transfer', 'person'], reply: 'Transferring you now.', tool: { name: 'transfer_call', arguments: { target: '+919876543210' } } },
    { name: 'goodbye', match: ['goodbye', 'bye', 'thank', 'thanks'], reply: 'Goodbye!', tool: { name: 'end_call', arguments: { reason: 'caller said goodbye' } } },
  ],
};

function invite(callId: string, sipPort: number, rtpPort: number): string {
  const sdp = ['v=0', 'o=caller 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${rtpPort} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
  return [
    `INVITE sip:demo@127.0.0.1:${sipPort} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-1', 'From: <sip:caller@127.0.0.1>;tag=abc', `To: <sip:demo@127.0.0.1:${sipPort}>`,
    `Call-ID: ${callId}`, 'CSeq: 1 INVITE', 'Contact: <sip:caller@127.0.0.1:5099>', 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp,
  ].join('\r\n');
}

/** Places a SIP call to a fresh edge that says `text` after the greeting; returns the SIP requests the edge sent. */
async function callSaying(text: string): Promise<{ callId: string; requests: string[]; harness: EdgeHarness; close(): Promise<void> }> {
  const deepgram = await startDeepgramEmulator({ listen: { utterances: [{ transcript: text }], finalDelayMs: 50 }, speak: { firstByteMs: 40 } });
  const harness = await startTestEdge({ deepgramApiKey: 'test-deepgram-key', deepgramBaseUrl: deepgram.url }, { sip: true, agent });
  const sipPort = harness.edge.sip!.port;
  const sip: Socket = createSocket('udp4');
  await new Promise<void>((r) => sip.bind(0, '127.0.0.1', () => r()));
  const rtp: Socket = createSocket('udp4');
  await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', () => r()));
  const messages: string[] = [];
  sip.on('message', (m) => messages.push(m.toString()));
  const callId = `sip-tools-${Date.now()}-${Math.random()}`;
  sip.send(invite(callId, sipPort, rtp.address().port), sipPort, '127.0.0.1');
  const deadline = Date.now() + 10_000;
  while (!messages.some((r) => r.startsWith('SIP/2.0 200')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const ok = messages.find((r) => r.startsWith('SIP/2.0 200'))!;
  const toTag = /To: .*;tag=([^\s;]+)/.exec(ok)![1];
  const edgeRtpPort = Number(/m=audio (\d+)/.exec(ok)![1]);
  sip.send([`ACK sip:demo@127.0.0.1:${sipPort} SIP/2.0`, 'Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-2', 'From: <sip:caller@127.0.0.1>;tag=abc', `To: <sip:demo@127.0.0.1:${sipPort}>;tag=${toTag}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', ''].join('\r\n'), sipPort, '127.0.0.1');
  const frames = [...silenceFrames(2000), ...(await speechFrames(text)), ...silenceFrames(6000)];
  const start = performance.now();
  for (let i = 0; i < frames.length && !messages.some((m) => /^(BYE|REFER) /.test(m)); i++) {
    rtp.send(buildRtp({ payloadType: 0, sequence: i, timestamp: i * 160, ssrc: 9 }, frames[i]), edgeRtpPort, '127.0.0.1');
    const wait = start + (i + 1) * 20 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  sip.close();
  rtp.close();
  return {
    callId, harness, requests: messages.filter((m) => !m.startsWith('SIP/2.0')),
    async close() { await harness.close(); await deepgram.close(); },
  };
}

describe('SIP: tools act on the dialog', () => {
  it('transfer_call sends REFER to the allowed target once the agent has said so', async () => {
    const { callId, requests, harness, close } = await callSaying('Please transfer me to a person.');
    const refer = requests.find((r) => r.startsWith('REFER '));
    expect(refer, requests.join('\n---\n')).toBeDefined();
    expect(refer).toMatch(/^REFER sip:caller@127\.0\.0\.1:5099 SIP\/2\.0/);
    expect(refer).toMatch(/\r\nRefer-To: <tel:\+919876543210>\r\n/);
    expect(refer).toMatch(/\r\nTo: <sip:caller@127\.0\.0\.1>;tag=abc\r\n/);
    expect(refer).toMatch(/\r\nFrom: <sip:demo@127\.0\.0\.1:\d+>;tag=\w+\r\n/);
    expect(refer).toMatch(/\r\nCSeq: 1 REFER\r\n/);
    // The call is still up (the carrier has not answered the REFER): its last events may still be lingering.
    const transferTurn = (e: { callId?: string | null; turn?: { agentText?: string | null } | null }) => e.callId === callId && e.turn?.agentText === 'Transferring you now.';
    const events = (await readTimelineWhen(harness.dataDir, (all) => all.some(transferTurn))).filter((e) => e.callId === callId);
    const toolCall = events.find((e) => e.toolCall)?.toolCall;
    expect(toolCall?.name).toBe('transfer_call');
    expect(events.find((e) => e.toolResult)?.toolResult?.ok).toBe(true);
    // The REFER went out after "Transferring you now." had played.
    expect(events.some((e) => e.turn?.agentText === 'Transferring you now.')).toBe(true);
    await close();
  }, 40_000);

  it('end_call says goodbye, then hangs up with BYE', async () => {
    const { callId, requests, harness, close } = await callSaying('Thank you, goodbye.');
    const bye = requests.find((r) => r.startsWith('BYE '));
    expect(bye, requests.join('\n---\n')).toBeDefined();
    expect(bye).toMatch(/\r\nCSeq: 1 BYE\r\n/);
    const events = readTimeline(harness.dataDir).filter((e) => e.callId === callId);
    expect(events.some((e) => e.turn?.agentText === 'Goodbye!')).toBe(true);
    expect(events.at(-1)?.callEnded?.reason).toBe('agent_hangup');
    expect(harness.edge.sip!.dialogs).toBe(0);
    await close();
  }, 40_000);
});
