import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ME } from './api/hooks.js';
import { App } from './app.js';
import { ApiError } from './lib/errors.js';
import './styles.css';

const sessionEnded = (err: unknown) => {
  // A 401 anywhere means the session ended (signed out elsewhere, revoked, expired): re-check
  // who we are, which sends the person to the sign-in page.
  if (err instanceof ApiError && err.status === 401)
    void client.invalidateQueries({ queryKey: ME });
};

const client: QueryClient = new QueryClient({
  // The session check itself answers 401 when signed out: that one is not re-asked.
  queryCache: new QueryCache({
    onError: (err, q) => {
      if (q.queryKey[0] !== ME[0]) sessionEnded(err);
    },
  }),
  mutationCache: new MutationCache({ onError: sessionEnded }),
  defaultOptions: {
    queries: {
      // Client errors will not improve by asking again; server and network errors might.
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <BrowserRouter basename="/ui">
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
