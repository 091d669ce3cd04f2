// `invorto call`: a simulated Twilio carrier and caller. Streams a WAV in real time, records the agent, prints turns.
import { writeFileSync } from 'node:fs';
import { writeWav } from '@invorto/dsp/wav.ts';
import { helpText, parseOptions } from '../../../bin/options.ts';
import { callerSpeechEnds, wavToMulawFrames } from '../sim/caller-audio.ts';
import { placeCall } from '../sim/carrier-caller.ts';
import { dialects } from '../sim/dialects.ts';
import { mintMediaToken } from '../auth/media-token.ts';
import { localMediaTokenSecret } from './local-secret.ts';

const callOptions = {
  wav: { default: '', description: 'caller audio: 8 kHz mu-law WAV, or PCM16 WAV at 8/16/24/48 kHz (required)' },
  protocol: { default: 'twilio', description: 'carrier protocol to speak: twilio, plivo, exotel, telnyx or native' },
  to: { env: 'INVORTO_CALL_URL', default: '', description: 'the edge\'s media URL (default ws://127.0.0.1:8081/media/<protocol>)' },
  out: { default: '', description: 'write what the agent said to this WAV (8 kHz mu-law, on the call\'s timeline)' },
  agent: { default: 'demo', description: 'agent id (sent as the stream parameter agentId)' },
  tenant: { default: 'default', description: 'tenant id (sent as the stream parameter tenantId)' },
  'quiet-ms': { default: 2500, description: 'after the WAV ends, hang up once the agent has been quiet this long' },
  'max-s': { default: 120, description: 'hang up after this many seconds in any case' },
  json: { default: false, description: 'print the result as JSON' },
  token: { env: 'INVORTO_MEDIA_TOKEN', default: '', description: 'media token for the URL (else one is minted from the local secret)', secret: true },
  'media-token-secret': { env: 'INVORTO_MEDIA_TOKEN_SECRET', default: '', description: 'secret to mint a token with (else the one `invorto start` keeps in the data dir)', secret: true },
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'where `invorto start` keeps its secret' },
};

export async function run(argv: string[]): Promise<number> {
  const { values, help, positionals } = parseOptions(callOptions, argv);
  const wav = values.wav || positionals[0] || '';
  if (help || !wav) {
    console.log(helpText('usage: invorto call --wav FILE.wav [--protocol twilio|plivo|exotel|telnyx|native] [--to URL] [--out reply.wav]', callOptions));
    return help ? 0 : 2;
  }
  const secret = localMediaTokenSecret(values['media-token-secret'], values['data-dir']);
  const token = values.token || (secret ? mintMediaToken(secret, { tenantId: values.tenant, agentId: values.agent, expiresAt: Date.now() / 1000 + 3600 }) : '');
  if (!token) {
    console.error('invorto call: no media token: pass --token (see `invorto token`), or run where `invorto start` keeps its data dir');
    return 2;
  }
  if (!(values.protocol in dialects)) {
    console.error(`invorto call: unknown protocol "${values.protocol}" (have: ${Object.keys(dialects).join(', ')})`);
    return 2;
  }
  const to = values.to || `ws://127.0.0.1:8081/media/${values.protocol}`;
  const url = `${to}${to.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  const frames = wavToMulawFrames(wav);
  const speechEnds = callerSpeechEnds(frames);
  if (!values.json) console.error(`calling ${to} (${values.protocol}) with ${wav} (${(frames.length * 0.02).toFixed(1)} s)…`);
  const result = await placeCall({
    protocol: values.protocol,
    url, frames, parameters: { agentId: values.agent, tenantId: values.tenant },
    quietHangupMs: values['quiet-ms'], maxDurationMs: values['max-s'] * 1000,
  });
  const turns = result.replies.map((reply, index) => {
    const firstAudioMs = reply.firstAudioMs;
    const callerEndMs = firstAudioMs === null ? null : speechEnds.filter((end) => end < firstAudioMs).at(-1) ?? null;
    const answersCaller = index > 0 && callerEndMs !== null;
    return {
      turn: index,
      mark: reply.mark,
      caller_speech_end_s: answersCaller ? callerEndMs! / 1000 : null,
      agent_first_audio_s: firstAudioMs === null ? null : firstAudioMs / 1000,
      agent_done_s: reply.doneMs / 1000,
      response_latency_ms: answersCaller && firstAudioMs !== null ? Math.round(firstAudioMs - callerEndMs!) : null,
    };
  });
  if (values.out) writeFileSync(values.out, writeWav({ encoding: 'mulaw', sampleRateHz: 8000, data: result.agentAudio }));
  const summary = {
    duration_s: result.durationMs / 1000, frames_sent: result.framesSent, frames_received: result.framesReceived,
    clears: result.clears.length, close_code: result.closeCode, close_reason: result.closeReason, turns,
  };
  if (values.json) {
    console.log(JSON.stringify(summary, null, 2));
  } else {
    const fmt = (v: number | null, digits = 2) => (v === null ? '—' : v.toFixed(digits));
    console.log('turn  caller speech end  agent first audio  latency   agent done');
    for (const t of turns) {
      console.log(`${String(t.turn).padEnd(6)}${fmt(t.caller_speech_end_s).padStart(15)} s${fmt(t.agent_first_audio_s).padStart(17)} s${(t.response_latency_ms === null ? '—' : `${t.response_latency_ms} ms`).padStart(10)}${fmt(t.agent_done_s).padStart(11)} s`);
    }
    console.log(`\n${summary.frames_sent} frames sent, ${summary.frames_received} received, ${summary.clears} clear(s); call closed ${summary.close_code} ${summary.close_reason}`);
    if (values.out) console.log(`agent audio written to ${values.out}`);
  }
  return result.closeCode === 1000 ? 0 : 1;
}
