// A level meter: RMS dBFS from -90 (silence) to 0 (full scale) as a bar a screen reader reads as a progress value.
import { Box, LinearProgress, Typography } from '@mui/material';

const FLOOR_DB = -90;

export function LevelMeter({ label, db }: { label: string; db: number }) {
  const percent = Math.round(((Math.max(FLOOR_DB, Math.min(0, db)) - FLOOR_DB) / -FLOOR_DB) * 100);
  return (
    <Box sx={{ mb: 2 }}>
      <Box sx={{ display: 'flex', justifyContent: 'space-between' }}>
        <Typography component="span" variant="body2">{label}</Typography>
        <Typography component="span" variant="body2" sx={{ fontVariantNumeric: 'tabular-nums' }}>{db <= FLOOR_DB ? 'silent' : `${db.toFixed(0)} dBFS`}</Typography>
      </Box>
      <LinearProgress
        variant="determinate" value={percent} aria-label={`${label} level`} aria-valuetext={`${db.toFixed(0)} dBFS`}
        sx={{ height: 12, borderRadius: 1, '& .MuiLinearProgress-bar': { transition: 'transform 80ms linear' } }}
      />
    </Box>
  );
}
