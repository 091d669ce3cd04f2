// Fakes of the provider interfaces (../types.ts), for tests and benchmarks: scripted, deterministic, no network.
export { FakeAsrProvider, FakeAsrSession } from './fake-asr.ts';
export { FakeLlm, type FakeAnswer } from './fake-llm.ts';
export { FakeTtsProvider, FakeTtsSession, type FakeTtsOptions } from './fake-tts.ts';
