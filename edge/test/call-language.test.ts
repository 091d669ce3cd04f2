import { beforeAll, describe, expect, it } from 'vitest';
import { demoAgent } from '@invorto/proto/demo-agent.ts';
import { validateAgentConfig } from '@invorto/proto/agent-config.ts';
import { CallLanguage, languageNote, loadLanguageDetection, voiceFor } from '../src/runtime/call-language.ts';
import { VoiceSwitchingTts } from '../src/providers/voice-switching-tts.ts';
import { TypedEmitter } from '../src/util/typed-emitter.ts';
import { TELEPHONY_FORMAT, type TtsEvents, type TtsProvider, type TtsSession } from '../src/providers/types.ts';

const agent = (extra: object = {}) => ({ ...demoAgent('default'), ...extra });

describe('the caller\'s language', () => {
  const trilingual = agent({ languages: ['es-MX', 'fr-FR'] });
  beforeAll(() => loadLanguageDetection()); // the edge awaits it before a multilingual call starts

  it('detects each allowed language from the words of a final transcript', () => {
    const cases: [string, string][] = [
      ['Quisiera pagar la factura de este mes, por favor', 'es-MX'],
      ['Je voudrais changer mon rendez-vous de demain matin', 'fr-FR'],
      ['I would like to pay this month\'s bill please', 'en-US'],
    ];
    for (const [text, expected] of cases) {
      const language = new CallLanguage(trilingual);
      if (expected !== 'en-US') language.observe('Necesito ayuda con mi cuenta, gracias'); // start elsewhere than English
      const before = language.current;
      const change = language.observe(text);
      expect(language.current, text).toBe(expected);
      if (before !== expected) expect(change).toMatchObject({ from: before, to: expected, source: 'text' });
    }
  });

  it('does not switch on a word or two, and never outside the agent\'s languages', () => {
    const language = new CallLanguage(trilingual);
    expect(language.observe('sí')).toBeNull();
    expect(language.observe('merci beaucoup')).toBeNull();
    expect(language.observe('Ich möchte meinen Termin morgen verschieben bitte')).toBeNull(); // German: not allowed
    expect(language.current).toBe('en-US');
  });

  it('trusts the recognizer\'s tag from two words, mapped to the agent\'s own tag', () => {
    const language = new CallLanguage(trilingual);
    expect(language.observe('claro que sí', 'es')).toEqual({ from: 'en-US', to: 'es-MX', source: 'asr' });
    expect(language.observe('hola', 'fr')).toBeNull();
  });

  it('a single-language agent never switches', () => {
    const language = new CallLanguage(agent());
    expect(language.multilingual).toBe(false);
    expect(language.observe('Quisiera pagar la factura de este mes, por favor', 'es')).toBeNull();
  });

  it('picks the voice: the agent\'s per-language voice, its own voice for its language, else a default', () => {
    const withVoices = agent({ tts: { provider: 'auto', voice: 'aura-2-odysseus-en', voices: { 'es-MX': 'aura-2-estrella-es', fr: 'aura-2-agathe-fr' } } });
    expect(voiceFor(withVoices, 'en-US')).toBe('aura-2-odysseus-en');
    expect(voiceFor(withVoices, 'es-MX')).toBe('aura-2-estrella-es');
    expect(voiceFor(withVoices, 'fr-FR')).toBe('aura-2-agathe-fr');
    expect(voiceFor(agent(), 'es-ES')).toBe('aura-2-celeste-es');
    expect(voiceFor(agent(), 'ja-JP')).toBeUndefined();
    expect(languageNote({ from: 'en-US', to: 'fr-FR', source: 'text' })).toContain('Reply in French');
  });

  it('refuses bad language settings with the field named', () => {
    expect(validateAgentConfig(agent({ languages: ['spanish'] }))).toEqual([expect.stringContaining('"languages"')]);
    expect(validateAgentConfig(agent({ language: 'English' }))).toEqual([expect.stringContaining('"language"')]);
    expect(validateAgentConfig(agent({ tts: { provider: 'auto', voices: { es: 42 } } }))).toEqual([expect.stringContaining('"tts.voices"')]);
    expect(validateAgentConfig(agent({ languages: ['es-ES'], tts: { provider: 'auto', voices: { es: 'aura-2-celeste-es' } } }))).toEqual([]);
  });
});

/** A provider session that answers each flush after `delayMs` with one chunk naming its voice and text. */
class FakeVoice extends TypedEmitter<TtsEvents> implements TtsSession {
  readonly format = TELEPHONY_FORMAT;
  #text = '';
  #sequence = -1;
  constructor(readonly voice: string, readonly delayMs: number) { super(); }
  speak(text: string) { this.#text += text; }
  flush() {
    const sequence = ++this.#sequence;
    const audio = new TextEncoder().encode(`${this.voice}:${this.#text}`);
    this.#text = '';
    setTimeout(() => { this.emit('audio', audio); this.emit('flushed', { sequence }); }, this.delayMs);
    return sequence;
  }
  clear() {}
  async close() {}
}

describe('a TTS session that changes voice', () => {
  const provider = (openMs: number, failing: string[] = []): TtsProvider & { opened: string[] } => {
    const opened: string[] = [];
    return {
      name: 'fake', opened,
      async open(_context, options) {
        await new Promise((r) => setTimeout(r, openMs));
        if (failing.includes(options.voice!)) throw new Error('no such voice');
        opened.push(options.voice!);
        return new FakeVoice(options.voice!, 5);
      },
    };
  };
  const context = { callId: 'c1', language: 'en-US', signal: new AbortController().signal };
  const collect = (tts: TtsSession) => {
    const heard: string[] = [];
    const flushed: number[] = [];
    tts.on('audio', (a) => heard.push(new TextDecoder().decode(a)));
    tts.on('flushed', ({ sequence }) => flushed.push(sequence));
    return { heard, flushed };
  };

  it('speaks later flushes in the new voice, in order, even while the new voice is still opening', async () => {
    const p = provider(30);
    const errors: string[] = [];
    const tts = new VoiceSwitchingTts(p, context, new FakeVoice('en', 40), 'en', (v) => errors.push(v));
    const { heard, flushed } = collect(tts);
    tts.speak('Hello.'); tts.flush();
    tts.setVoice('es');
    tts.speak('Hola.'); tts.flush();
    tts.speak('Adiós.'); tts.flush();
    await new Promise((r) => setTimeout(r, 150));
    expect(heard).toEqual(['en:Hello.', 'es:Hola.', 'es:Adiós.']);
    expect(flushed).toEqual([0, 1, 2]);
    expect(p.opened).toEqual(['es']);
    expect(errors).toEqual([]);
  });

  it('a voice that cannot open leaves the call in its previous voice, nothing lost', async () => {
    const errors: string[] = [];
    const tts = new VoiceSwitchingTts(provider(10, ['xx']), context, new FakeVoice('en', 5), 'en', (v) => errors.push(v));
    const { heard } = collect(tts);
    tts.setVoice('xx');
    tts.speak('Still here.'); tts.flush();
    await new Promise((r) => setTimeout(r, 60));
    expect(errors).toEqual(['xx']);
    expect(tts.voice).toBe('en');
    expect(heard).toEqual(['en:Still here.']);
  });
});
