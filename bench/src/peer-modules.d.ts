// The peer packages the benchmarks compare against ship no type declarations; their shapes are typed where used.
declare module '@echogarden/fvad-wasm';
declare module '@echogarden/speex-resampler-wasm';
declare module 'alawmulaw';
