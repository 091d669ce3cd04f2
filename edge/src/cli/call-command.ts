// `invorto call`: a simulated carrier and caller. Streams a WAV, or sentences spoken by the offline Flite voice, in
// real time; records the agent; prints the call's id and each turn.
import { writeFileSync } from 'node:fs';
import { writeWav } from '@invorto/dsp/wav.ts';
import { NOISE_KINDS } from '@invorto/dsp/noise.ts';
import { helpText, parseOptions } from '../../../bin/options.ts';
import { callerSpeechEnds, wavToMulawFrames } from '../sim/caller-audio.ts';
import { silenceFrames } from '../sim/caller-sounds.ts';
import { callTurns } from '../sim/call-turns.ts';
import { placeCall } from '../sim/carrier-caller.ts';
import { dialects } from '../sim/dialects.ts';
import { FLITE_VOICES } from '../sim/flite-voice.ts';
import { isNoiseKind, lineNoiseFrames, spokenCaller } from '../sim/spoken-caller.ts';
import { mintMediaToken } from '../auth/media-token.ts';
import { localMediaTokenSecret } from '../auth/local-secret.ts';

const callOptions = {
  say: { default: [] as string[], description: 'a sentence the caller says, spoken by the offline Flite voice (repeat for several; instead of --wav)' },
  wav: { default: '', description: 'caller audio: 8 kHz mu-law WAV, or PCM16 WAV at 8/16/24/48 kHz (instead of --say)' },
  voice: { default: 'kal', description: `the caller's Flite voice for --say: ${Object.keys(FLITE_VOICES).join(', ')}` },
  'pause-ms': { default: 1000, description: 'silence before the caller speaks, counted from the end of the agent\'s greeting (from its start with --over-greeting)' },
  'gap-ms': { default: 5000, description: 'silence between two --say sentences (time for the agent to answer)' },
  'over-greeting': { default: false, description: 'count --pause-ms from the greeting\'s first audio, so the caller talks over it' },
  noise: { default: 'none', description: `line noise under everything the caller sends: none (digital silence between sentences), ${NOISE_KINDS.join(', ')}` },
  'noise-dbfs': { default: -50, description: 'level of --noise (RMS, dBFS; a negative value goes after an equals sign: --noise-dbfs=-45)' },
  protocol: { default: 'twilio', description: 'carrier protocol to speak: twilio, plivo, exotel, telnyx or native' },
  to: { env: 'INVORTO_CALL_URL', default: '', description: 'the edge\'s media URL (default ws://127.0.0.1:8081/media/<protocol>)' },
  out: { default: '', description: 'write what the agent said to this WAV (8 kHz mu-law, on the call\'s timeline)' },
  agent: { default: 'demo', description: 'agent id (sent as the stream parameter agentId)' },
  tenant: { default: 'default', description: 'tenant id (sent as the stream parameter tenantId)' },
  'quiet-ms': { default: 2500, description: 'after the caller\'s audio ends, hang up once the agent has been quiet this long' },
  'max-s': { default: 120, description: 'hang up after this many seconds in any case' },
  json: { default: false, description: 'print the result as JSON' },
  token: { env: 'INVORTO_MEDIA_TOKEN', default: '', description: 'media token for the URL (else one is minted from the local secret)', secret: true },
  'media-token-secret': { env: 'INVORTO_MEDIA_TOKEN_SECRET', default: '', description: 'secret to mint a token with (else the one `invorto start` keeps in the data dir)', secret: true },
  'data-dir': { env: 'INVORTO_DATA_DIR', default: './data', description: 'where `invorto start` keeps its secret and the timeline' },
};

const USAGE = 'usage: invorto call --say "What time do you open tomorrow?" [--say …] | --wav FILE.wav  [--protocol twilio|plivo|exotel|telnyx|native] [--to URL] [--out reply.wav]';

export async function run(argv: string[]): Promise<number> {
  const { values, help, positionals } = parseOptions(callOptions, argv);
  const wav = values.wav || positionals[0] || '';
  const say = values.say.filter((text) => text.trim());
  if (help || (!wav && say.length === 0)) {
    console.log(helpText(USAGE, callOptions));
    return help ? 0 : 2;
  }
  const refuse = (message: string) => { console.error(`invorto call: ${message}`); return 2; };
  if (wav && say.length) return refuse('give either --wav or --say, not both');
  if (!(values.voice in FLITE_VOICES)) return refuse(`unknown voice "${values.voice}" (have: ${Object.keys(FLITE_VOICES).join(', ')})`);
  if (values.noise !== 'none' && !isNoiseKind(values.noise)) return refuse(`unknown noise "${values.noise}" (have: none, ${NOISE_KINDS.join(', ')})`);
  if (!(values.protocol in dialects)) return refuse(`unknown protocol "${values.protocol}" (have: ${Object.keys(dialects).join(', ')})`);
  const secret = localMediaTokenSecret(values['media-token-secret'], values['data-dir']);
  const token = values.token || (secret ? mintMediaToken(secret, { tenantId: values.tenant, agentId: values.agent, expiresAt: Date.now() / 1000 + 3600 }) : '');
  if (!token) return refuse('no media token: pass --token (see `invorto token`), or run where `invorto start` keeps its data dir (--data-dir)');
  const to = values.to || `ws://127.0.0.1:8081/media/${values.protocol}`;
  const url = `${to}${to.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;

  const frames = wav ? wavToMulawFrames(wav) : (await spokenCaller({ texts: say, voice: values.voice, pauseMs: values['pause-ms'], gapMs: values['gap-ms'] })).frames;
  const lineNoise = isNoiseKind(values.noise) ? lineNoiseFrames(values.noise, values['noise-dbfs']) : undefined;
  const afterGreeting = say.length === 0 ? false : values['over-greeting'] ? 'started' as const : true;
  const source = wav || `${say.length} sentence(s) in Flite's ${values.voice} voice${lineNoise ? ` over ${values.noise} noise at ${values['noise-dbfs']} dBFS` : ''}`;
  if (!values.json) console.error(`calling ${to} (${values.protocol}) with ${source} (${(frames.length * 0.02).toFixed(1)} s)…`);
  const result = await placeCall({
    protocol: values.protocol,
    url, frames, parameters: { agentId: values.agent, tenantId: values.tenant },
    quietHangupMs: values['quiet-ms'], maxDurationMs: values['max-s'] * 1000, afterGreeting, lineNoise,
  });
  // The caller's speech ends on the call's timeline (after the silence it sent while waiting out the greeting);
  // the silence it went on sending after its audio lets the last utterance end too.
  const speechEnds = callerSpeechEnds([...frames, ...silenceFrames(2000)]).map((end) => end + result.callerAudioStartMs);
  const turns = callTurns(result.replies, result.cutReplies, speechEnds);
  if (values.out) writeFileSync(values.out, writeWav({ encoding: 'mulaw', sampleRateHz: 8000, data: result.agentAudio }));
  const timelineCommand = result.callId ? `invorto timeline ${result.callId}${values['data-dir'] === './data' ? '' : ` --data-dir ${values['data-dir']}`}` : null;
  const summary = {
    call_id: result.callId, timeline_command: timelineCommand,
    duration_s: Math.round(result.durationMs) / 1000, frames_sent: result.framesSent, frames_received: result.framesReceived,
    clears: result.clears.length, close_code: result.closeCode, close_reason: result.closeReason, turns,
  };
  if (values.json) {
    console.log(JSON.stringify(summary, null, 2));
  } else {
    const fmt = (v: number | null, digits = 2) => (v === null ? '—' : v.toFixed(digits));
    console.log(`call ${result.callId ?? '(the edge sent no call id)'}`);
    console.log('turn  caller speech end  agent first audio  latency   agent done');
    for (const t of turns) {
      console.log(`${String(t.turn).padEnd(6)}${fmt(t.caller_speech_end_s).padStart(15)} s${fmt(t.agent_first_audio_s).padStart(17)} s${(t.response_latency_ms === null ? '—' : `${t.response_latency_ms} ms`).padStart(10)}${fmt(t.agent_done_s).padStart(11)} s${t.cut ? '  (cut: the caller spoke over it)' : ''}`);
    }
    console.log(`\n${summary.frames_sent} frames sent, ${summary.frames_received} received, ${summary.clears} clear(s); call closed ${summary.close_code} ${summary.close_reason}`);
    if (values.out) console.log(`agent audio written to ${values.out}`);
    if (timelineCommand) console.log(`timeline: npx ${timelineCommand}`);
  }
  return result.closeCode === 1000 ? 0 : 1;
}
