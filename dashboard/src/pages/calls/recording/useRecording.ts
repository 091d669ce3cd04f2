// A call's recording, fetched through the API client (so it carries the session's token) and decoded here: null when
// the call has none (404), an Error with the API's status when control fails, a WavError when the file is damaged.
// What the page keeps is what the player needs — the file as stored (to download), a PCM16 copy (to play), the
// waveform's outline and the caller's levels — never the decoded samples themselves.
import { useQuery } from '@tanstack/react-query';
import { api, statusOf, unwrap } from '../../../api/client';
import { decodeWav, levelsDb, louder, pcm16Wav, peaks, WavError, type WavEncoding } from './wav';
import type { CallerLevels } from './follow';

export interface PreparedRecording {
  /** The WAV as control serves it, for the download link. */
  original: ArrayBuffer;
  /** The same audio as PCM16, which <audio> plays in every browser. */
  playable: Uint8Array<ArrayBuffer>;
  /** Per channel (caller, agent): the largest magnitude in each 10 ms, 0..1, each channel made louder (up to 4x) to fill its height. */
  peaks: Float32Array[];
  callerLevels: CallerLevels;
  durationS: number;
  encoding: WavEncoding;
  sampleRateHz: number;
  channelCount: number;
}

const LEVEL_FRAME_MS = 20;

export function prepareRecording(original: ArrayBuffer): PreparedRecording {
  const wav = decodeWav(original);
  return {
    original,
    playable: pcm16Wav(wav.channels, wav.sampleRateHz),
    peaks: wav.channels.map((channel) => louder(peaks(channel, wav.sampleRateHz))),
    callerLevels: { db: levelsDb(wav.channels[0]!, wav.sampleRateHz, LEVEL_FRAME_MS), frameS: LEVEL_FRAME_MS / 1000 },
    durationS: wav.durationS,
    encoding: wav.encoding,
    sampleRateHz: wav.sampleRateHz,
    channelCount: wav.channels.length,
  };
}

export function useRecording(callId: string, enabled: boolean) {
  return useQuery({
    queryKey: ['recording', callId],
    enabled,
    queryFn: async (): Promise<PreparedRecording | null> => {
      const result = await api.GET('/v1/calls/{id}/recording', { params: { path: { id: callId } }, parseAs: 'arrayBuffer' });
      if (result.response.status === 404) return null;
      return prepareRecording(unwrap(result, 'reading the recording'));
    },
    // A recording does not change; a damaged file or a 4xx answers the same again, so only a failed fetch or a 5xx retries.
    staleTime: Infinity,
    gcTime: 60_000,
    retry: (count, error) => count < 1 && !(error instanceof WavError) && !(statusOf(error) && statusOf(error)! < 500),
  });
}
