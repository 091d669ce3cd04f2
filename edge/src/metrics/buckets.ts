// Histogram buckets for voice: a frame's work is microseconds, a jitter buffer tens of milliseconds, a provider's
// first byte and a turn hundreds of milliseconds to seconds.
export const FRAME_BUCKETS_S = [5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3];
export const TURN_BUCKETS_S = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 5];
export const TTFB_BUCKETS_S = [0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5];
export const JITTER_BUCKETS_S = [0.005, 0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3];
export const PUBLISH_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/** Kinds of `invorto_errors_total`: each starts at 0 so rate() sees the first one. */
export const ERROR_KINDS = ['protocol', 'provider', 'tool', 'timeline', 'internal'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];
