// The edge uses the one typed emitter, which lives in dsp because dsp may import nothing else.
export { TypedEmitter, type Listener } from '@invorto/dsp/typed-emitter.ts';
