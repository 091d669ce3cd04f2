// `invorto vad FILE.wav`: the inbound chain's VAD and endpointing over a file, as JSON (one character per 10 ms).
import { readFileSync } from 'node:fs';
import { analyseWav } from '../vad-file.ts';

const USAGE = `usage: invorto vad FILE.wav

Runs the dsp inbound chain (VAD + endpointing) over an 8 kHz mu-law/A-law WAV or a 16-bit PCM WAV at 8 or 16 kHz
and prints {"frame_ms":10,"speech":"0011…","endpoints_s":[…]}: one character per 10 ms from t=0 (1 = speech),
and the times, in seconds from the start, at which an end of turn was declared.`;

export async function run(argv: string[]): Promise<number> {
  const file = argv.find((a) => !a.startsWith('-'));
  if (!file || argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return file ? 0 : 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    console.error(`invorto vad: cannot read ${file}: ${(error as Error).message}`);
    return 1;
  }
  try {
    console.log(JSON.stringify(analyseWav(bytes, file)));
    return 0;
  } catch (error) {
    console.error(`invorto vad: ${(error as Error).message}`);
    return 1;
  }
}
