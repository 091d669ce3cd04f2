// The frame around every signed-in page: a skip link, the top bar with navigation, theme switch and logout.
import { Suspense } from 'react';
import { NavLink, Outlet } from 'react-router';
import { AppBar, Box, Button, Container, Link, Toolbar, Typography } from '@mui/material';
import { useColorScheme } from '@mui/material/styles';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { endSession } from '../auth/session';
import { useSession } from '../auth/useSession';
import { Loading } from './States';

const links = [
  { to: '/', label: 'Overview', end: true },
  { to: '/agents', label: 'Agents' },
  { to: '/calls', label: 'Calls' },
  { to: '/live', label: 'Live' },
  { to: '/billing', label: 'Billing' },
];

export function Shell() {
  const session = useSession();
  const { mode, systemMode, setMode } = useColorScheme();
  const dark = (mode === 'system' ? systemMode : mode) === 'dark';
  // Edges are the operator's: the link shows only where GET /v1/edges answers.
  const operator = useQuery({ queryKey: ['edges-allowed'], queryFn: async () => (await api.GET('/v1/edges')).response.ok, staleTime: Infinity, retry: false });
  const nav = operator.data ? [...links, { to: '/edges', label: 'Edges' }] : links;
  return (
    <>
      <Link href="#main" sx={{ position: 'absolute', left: -9999, '&:focus': { left: 8, top: 8, zIndex: 2000, bgcolor: 'background.paper', p: 1 } }}>Skip to content</Link>
      <AppBar position="static" color="default" elevation={1}>
        <Toolbar sx={{ flexWrap: 'wrap', gap: 1, py: 1 }}>
          <Typography variant="h6" component="p" sx={{ mr: 2 }}>Invorto</Typography>
          <Box component="nav" aria-label="Main" sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap', flexGrow: 1 }}>
            {nav.map((l) => (
              <Button key={l.to} component={NavLink} to={l.to} end={l.end} color="inherit"
                sx={{ '&.active': { color: 'primary.main', fontWeight: 700, textDecoration: 'underline' } }}>{l.label}</Button>
            ))}
          </Box>
          <Typography variant="body2" sx={{ display: { xs: 'none', md: 'block' } }}>{session?.email} · {session?.role}</Typography>
          <Button color="inherit" onClick={() => setMode(dark ? 'light' : 'dark')} aria-label={dark ? 'Switch to light theme' : 'Switch to dark theme'}>
            {dark ? 'Light' : 'Dark'}
          </Button>
          <Button variant="outlined" onClick={() => { void api.POST('/v1/auth/logout', { body: { refreshToken: session?.refreshToken ?? '' } }).catch(() => {}); endSession('logout'); }}>
            Log out
          </Button>
        </Toolbar>
      </AppBar>
      <Container component="main" id="main" tabIndex={-1} maxWidth="lg" sx={{ py: 3 }}>
        <Suspense fallback={<Loading what="page" />}>
          <Outlet />
        </Suspense>
      </Container>
    </>
  );
}
