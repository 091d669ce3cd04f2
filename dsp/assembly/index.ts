// The one WASM module: re-exports every primitive. Each primitive lives in its own file; add exports there, not here.
export * from "./memory";
export * from "./g711";
export * from "./resample";
export * from "./rtp";
export * from "./energy";
export * from "./vad";
export * from "./endpoint";
export * from "./bargein";
export * from "./chain";
export * from "./chain-state";
export * from "./jitter";
export * from "./plc";
