// The three states every screen has besides its data: loading, failed (with a retry), and nothing to show.
import type { ReactNode } from 'react';
import { Alert, Box, Button, CircularProgress, Typography } from '@mui/material';

export function Loading({ what }: { what: string }) {
  return (
    <Box role="status" aria-live="polite" sx={{ display: 'flex', alignItems: 'center', gap: 2, p: 3 }}>
      <CircularProgress size={24} aria-label={`Loading ${what}`} />
      <Typography>Loading {what}…</Typography>
    </Box>
  );
}

export function Failed({ error, retry }: { error: unknown; retry?: () => void }) {
  const message = error instanceof Error ? error.message : 'something went wrong';
  const down = error instanceof TypeError; // fetch itself failed: control is not answering
  return (
    <Alert severity="error" sx={{ my: 2 }} action={retry ? <Button color="inherit" onClick={retry}>Retry</Button> : undefined}>
      {down ? 'Control is not answering. Check that it is running, then retry.' : message}
    </Alert>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <Typography sx={{ p: 3, color: 'text.secondary' }}>{children}</Typography>;
}

export function PageTitle({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: 1, mb: 2 }}>
      <Typography variant="h5" component="h1">{children}</Typography>
      {actions && <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>{actions}</Box>}
    </Box>
  );
}
