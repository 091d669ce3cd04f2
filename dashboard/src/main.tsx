import { StrictMode, lazy } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { CssBaseline, ThemeProvider } from '@mui/material';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { theme } from './theme';
import { statusOf } from './api/client';
import { RequireAuth } from './auth/RequireAuth';
import { Shell } from './components/Shell';
import { Login } from './pages/Login';

// Each page is its own chunk: the first visit downloads the frame and the login only.
const Overview = lazy(() => import('./pages/Overview'));
const AgentList = lazy(() => import('./pages/agents/AgentList'));
const AgentCreate = lazy(() => import('./pages/agents/AgentCreate'));
const AgentPage = lazy(() => import('./pages/agents/AgentPage'));
const CallList = lazy(() => import('./pages/calls/CallList'));
const CallPage = lazy(() => import('./pages/calls/CallPage'));
const Billing = lazy(() => import('./pages/Billing'));
const Edges = lazy(() => import('./pages/Edges'));
const LiveCalls = lazy(() => import('./pages/live/LiveCalls'));
const LiveCall = lazy(() => import('./pages/live/LiveCall'));
const NotFound = lazy(() => import('./pages/NotFound'));

const queryClient = new QueryClient({
  defaultOptions: {
    // A 4xx will answer the same again; a network failure or 5xx is worth one more try.
    queries: { retry: (count, error) => count < 1 && !(statusOf(error) && statusOf(error)! < 500), staleTime: 10_000 },
  },
});

const router = createBrowserRouter([
  { path: '/login', element: <Login /> },
  {
    element: <RequireAuth><Shell /></RequireAuth>,
    children: [
      { index: true, element: <Overview /> },
      { path: 'agents', element: <AgentList /> },
      { path: 'agents/new', element: <AgentCreate /> },
      { path: 'agents/:id', element: <AgentPage /> },
      { path: 'calls', element: <CallList /> },
      { path: 'calls/:id', element: <CallPage /> },
      { path: 'live', element: <LiveCalls /> },
      { path: 'live/:id', element: <LiveCall /> },
      { path: 'billing', element: <Billing /> },
      { path: 'edges', element: <Edges /> },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ThemeProvider theme={theme} defaultMode="system">
      <CssBaseline />
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ThemeProvider>
  </StrictMode>,
);
