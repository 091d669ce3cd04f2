// The call's recording: a stereo waveform (caller above, agent below) drawn by wavesurfer.js from the peaks decoded
// here, played by an <audio> element from the PCM16 copy. Seek by clicking or dragging the waveform, or from the
// keyboard on it (a slider: arrows ±5 s, Page keys ±30 s, Home, End). Loaded on its own (React.lazy), so the
// waveform library downloads only for a call that has a recording.
// Every seek sets the element's currentTime itself and only asks wavesurfer to draw the position: wavesurfer 8's own
// setTime holds a seek back while the element is still finishing the last one and can then drop it, so quick seeks
// (End then Home, a click straight after a key) left the audio where it was while the waveform showed it moved.
import { useEffect, useImperativeHandle, useRef, useState, type KeyboardEvent, type PointerEvent, type Ref } from 'react';
import WaveSurfer from 'wavesurfer.js';
import { Box, Button, Typography } from '@mui/material';
import { alpha, useColorScheme, useTheme, type Palette, type Theme } from '@mui/material/styles';
import type { PreparedRecording } from './useRecording';
import { clock } from './time';

export interface PlayerHandle {
  /** Moves to `timeS` and plays from there. */
  playFrom(timeS: number): void;
}

export interface RecordingPlayerProps {
  callId: string;
  recording: PreparedRecording;
  /** The playing position, as it moves (every animation frame while playing) and on every seek. */
  onTime?: (timeS: number) => void;
  ref?: Ref<PlayerHandle>;
}

const CHANNEL_HEIGHT = 64;
const STEP_S = 5;
const PAGE_S = 30;
const CHANNEL_NAMES = ['Caller', 'Agent'];

export default function RecordingPlayer({ callId, recording, onTime, ref }: RecordingPlayerProps) {
  const waveform = useRef<HTMLDivElement>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const surfer = useRef<WaveSurfer | null>(null);
  const onTimeRef = useRef(onTime);
  onTimeRef.current = onTime;
  const [urls, setUrls] = useState<{ play: string; download: string } | null>(null);
  const [timeS, setTimeS] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const colors = useWaveColors();
  const durationS = recording.durationS;

  useEffect(() => {
    const play = URL.createObjectURL(new Blob([recording.playable], { type: 'audio/wav' }));
    const download = URL.createObjectURL(new Blob([recording.original], { type: 'audio/wav' }));
    setUrls({ play, download });
    return () => { URL.revokeObjectURL(play); URL.revokeObjectURL(download); };
  }, [recording]);

  useEffect(() => {
    if (!urls || !waveform.current || !audio.current) return;
    const media = audio.current;
    const ws = WaveSurfer.create({
      container: waveform.current, media, url: urls.play, peaks: recording.peaks, duration: durationS,
      height: CHANNEL_HEIGHT, barWidth: 2, barGap: 1, barRadius: 1, cursorWidth: 2, interact: false, hideScrollbar: true,
      splitChannels: channelOptions(colors, recording.channelCount), cursorColor: colors.cursor,
    });
    surfer.current = ws;
    const moved = (t: number) => { setTimeS(t); onTimeRef.current?.(t); };
    ws.on('timeupdate', moved);
    ws.on('play', () => setPlaying(true));
    ws.on('pause', () => setPlaying(false));
    ws.on('finish', () => setPlaying(false));
    ws.on('error', (error) => setFailure(error.message));
    return () => {
      ws.destroy();
      surfer.current = null;
      media.pause();
      media.removeAttribute('src');
      media.load();
    };
    // Colours change through setOptions below, without reloading the audio.
  }, [urls, recording, durationS]);

  useEffect(() => {
    surfer.current?.setOptions({ splitChannels: channelOptions(colors, recording.channelCount), cursorColor: colors.cursor });
  }, [colors, recording.channelCount]);

  const position = () => audio.current?.currentTime ?? timeS;
  const seek = (t: number) => {
    const to = Math.min(Math.max(0, t), durationS);
    if (audio.current) audio.current.currentTime = to; // a seek while one is under way replaces it (HTML media seeking)
    const ws = surfer.current;
    ws?.getRenderer().renderProgress(to / durationS, ws.isPlaying());
    setTimeS(to);
    onTimeRef.current?.(to);
  };
  useImperativeHandle(ref, () => ({
    playFrom(t: number) {
      seek(t);
      void surfer.current?.play().catch((error: Error) => setFailure(error.message));
    },
  }));
  const toggle = () => { void surfer.current?.playPause().catch((error: Error) => setFailure(error.message)); };
  const onKeyDown = (event: KeyboardEvent) => {
    const steps: Record<string, number> = { ArrowRight: STEP_S, ArrowUp: STEP_S, ArrowLeft: -STEP_S, ArrowDown: -STEP_S, PageUp: PAGE_S, PageDown: -PAGE_S };
    if (event.key in steps) seek(position() + steps[event.key]!);
    else if (event.key === 'Home') seek(0);
    else if (event.key === 'End') seek(durationS);
    else if (event.key === ' ') toggle();
    else return;
    event.preventDefault();
  };

  // Click or drag: the pointer's x on the waveform is the position (the waveform fills the box's width). A mouse or
  // pen seeks as it presses; a finger only once it moves sideways or lifts, so a swipe that scrolls the page
  // (pointercancel, which ends the capture) does not seek.
  const seekToPointer = (event: PointerEvent<HTMLDivElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    seek(((event.clientX - box.left) / box.width) * durationS);
  };
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture(event.pointerId); // the drag goes on outside the waveform
    if (event.pointerType !== 'touch') seekToPointer(event);
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    if (event.currentTarget.hasPointerCapture(event.pointerId)) seekToPointer(event);
  };
  const onPointerUp = (event: PointerEvent<HTMLDivElement>) => {
    if (event.pointerType === 'touch' && event.currentTarget.hasPointerCapture(event.pointerId)) seekToPointer(event);
  };

  const channels = CHANNEL_NAMES.slice(0, recording.channelCount);
  return (
    <Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 1.5, alignItems: 'stretch' }}>
        <Box aria-hidden sx={{ display: 'grid', gridTemplateRows: `repeat(${channels.length}, ${CHANNEL_HEIGHT}px)` }}>
          {channels.map((name) => (
            <Typography key={name} variant="body2" sx={{ alignSelf: 'center', fontWeight: 600, color: 'text.secondary' }}>{name}</Typography>
          ))}
        </Box>
        <Box
          ref={waveform} role="slider" tabIndex={0} data-testid="recording-waveform"
          aria-label={`Recording position (${channels.map((n, i) => `${n.toLowerCase()} ${i === 0 ? 'above' : 'below'}`).join(', ')})`}
          aria-valuemin={0} aria-valuemax={Math.round(durationS)} aria-valuenow={Math.round(timeS)}
          aria-valuetext={`${clock(timeS)} of ${clock(durationS)}`} onKeyDown={onKeyDown}
          onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp}
          sx={{ minWidth: 0, cursor: 'pointer', touchAction: 'pan-y', borderRadius: 1, outlineOffset: 2, '&:focus-visible': { outline: '2px solid', outlineColor: 'primary.main' } }}
        />
      </Box>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: 1, mt: 1.5 }}>
        <Button variant="contained" onClick={toggle} disabled={!urls} sx={{ minWidth: 88 }}>{playing ? 'Pause' : 'Play'}</Button>
        <Button onClick={() => seek(position() - STEP_S)}>Back 5 s</Button>
        <Button onClick={() => seek(position() + STEP_S)}>Forward 5 s</Button>
        <Typography data-testid="recording-time" sx={{ fontVariantNumeric: 'tabular-nums', mx: 1 }}>{clock(timeS)} / {clock(durationS)}</Typography>
        <Box sx={{ flexGrow: 1 }} />
        <Typography variant="body2" color="text.secondary">
          {recording.channelCount === 2 ? 'Stereo' : `${recording.channelCount} channels`}, {recording.sampleRateHz / 1000} kHz, {recording.encoding === 'mulaw' ? 'G.711 mu-law' : 'PCM16'}
        </Typography>
        {urls && <Button component="a" href={urls.download} download={`${callId}.wav`} variant="outlined">Download WAV</Button>}
      </Box>
      {failure && <Typography role="alert" color="error" sx={{ mt: 1 }}>The recording cannot play: {failure}</Typography>}
      <audio ref={audio} preload="auto" data-testid="recording-audio" />
    </Box>
  );
}

interface WaveColors { caller: string; agent: string; cursor: string }

/** The waveform's colours for the colour scheme in use: canvas needs real colours, not the theme's CSS variables. */
function useWaveColors(): WaveColors {
  const theme = useTheme();
  const { mode, systemMode } = useColorScheme();
  const scheme = (mode === 'system' ? systemMode : mode) === 'dark' ? 'dark' : 'light';
  // The CSS-variables theme keeps each scheme's palette (theme.palette is the default scheme's).
  const schemes = (theme as Theme & { colorSchemes?: Partial<Record<'light' | 'dark', { palette: Palette }>> }).colorSchemes;
  const palette = schemes?.[scheme]?.palette ?? theme.palette;
  const caller = palette.text.secondary;
  const agent = palette.primary.main;
  const cursor = palette.text.primary;
  const [colors, setColors] = useState<WaveColors>({ caller, agent, cursor });
  if (colors.caller !== caller || colors.agent !== agent || colors.cursor !== cursor) setColors({ caller, agent, cursor });
  return colors;
}

function channelOptions(colors: WaveColors, count: number) {
  const base = [colors.caller, colors.agent];
  return Array.from({ length: count }, (_, i) => {
    const color = base[i] ?? colors.caller;
    return { waveColor: alpha(color, 0.45), progressColor: color, height: CHANNEL_HEIGHT };
  });
}
