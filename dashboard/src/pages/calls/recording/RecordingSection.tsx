// The recording's place on the call page: its states (the call still running, loading, none, control failing, a
// damaged file) around the player, which loads on its own.
import { lazy, Suspense, type Ref } from 'react';
import { Link as RouterLink } from 'react-router';
import { Link } from '@mui/material';
import type { UseQueryResult } from '@tanstack/react-query';
import { Empty, Failed, Loading } from '../../../components/States';
import type { PlayerHandle } from './RecordingPlayer';
import type { PreparedRecording } from './useRecording';
import { WavError } from './wav';

const RecordingPlayer = lazy(() => import('./RecordingPlayer'));

export interface RecordingSectionProps {
  call: { id: string; endedAt: string | null };
  recording: UseQueryResult<PreparedRecording | null>;
  onTime: (timeS: number) => void;
  playerRef: Ref<PlayerHandle>;
}

export function RecordingSection({ call, recording, onTime, playerRef }: RecordingSectionProps) {
  if (call.endedAt === null) {
    return <Empty>The recording is ready once the call has ended. <Link component={RouterLink} to={`/live/${encodeURIComponent(call.id)}`}>Watch it live</Link>.</Empty>;
  }
  if (recording.isPending) return <Loading what="recording" />;
  if (recording.isError) {
    const error = recording.error instanceof WavError ? new Error(`The recording could not be read: ${recording.error.message}.`) : recording.error;
    return <Failed error={error} retry={() => recording.refetch()} />;
  }
  if (recording.data === null) {
    return <Empty>No recording for this call. Its agent does not record calls (recording: stereo in its settings), or the recording was deleted, or it is still being uploaded.</Empty>;
  }
  return (
    <Suspense fallback={<Loading what="recording player" />}>
      <RecordingPlayer callId={call.id} recording={recording.data} onTime={onTime} ref={playerRef} />
    </Suspense>
  );
}
