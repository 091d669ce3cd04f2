// The offline engines `npm start` uses when no vendor keys are set.
export { createFliteTts } from './flite-tts.ts';
export { createPocketsphinxAsr, pocketsphinxAvailable } from './pocketsphinx-asr.ts';
export { createScriptedLlm } from './scripted-llm.ts';
