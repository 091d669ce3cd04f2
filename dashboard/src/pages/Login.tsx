import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { Alert, Box, Button, Paper, TextField, Typography } from '@mui/material';
import { api, errorMessage } from '../api/client';
import { startSession } from '../auth/session';
import { useSession } from '../auth/useSession';

/** Only a path inside the app: `next` comes from the URL, so it must not send anyone elsewhere. */
const safeNext = (next: string | null) => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/');

export function Login() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));
  if (session && !busy) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { data, error: failure } = await api.POST('/v1/auth/login', { body: { email, password } });
      if (!data) throw new Error(errorMessage(failure, 'login'));
      startSession(data);
      navigate(next, { replace: true });
    } catch (e) {
      setError(e instanceof TypeError ? 'Control is not answering: is it running?' : (e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', p: 2 }}>
      <Paper component="form" onSubmit={submit} sx={{ p: 4, width: '100%', maxWidth: 400, display: 'grid', gap: 2 }} aria-labelledby="login-title">
        <Typography id="login-title" variant="h5" component="h1">Sign in to Invorto</Typography>
        {params.get('expired') && <Alert severity="info">Your session expired. Sign in again to continue where you were.</Alert>}
        {error && <Alert severity="error" role="alert">{error}</Alert>}
        <TextField label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        <TextField label="Password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <Button type="submit" variant="contained" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</Button>
        <Typography variant="body2" color="text.secondary">
          First start? Control printed the owner's login (owner@invorto.local and a one-time password) when it started.
        </Typography>
      </Paper>
    </Box>
  );
}
