import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError, messageOf } from '../lib/errors.js';

export function Loading({ what = 'Loading…' }: { what?: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      {what}
    </p>
  );
}

/** An API failure with its own message (and field problems), never a blank page. */
export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div className="notice error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {messageOf(error)}
      {error instanceof ApiError && error.code !== 'http_error' ? (
        <span className="code"> ({error.code})</span>
      ) : null}
      {details.length > 0 ? (
        <ul>
          {details.map((d) => (
            <li key={`${d.path ?? ''}:${d.message}`}>
              {d.path ? `${d.path}: ${d.message}` : d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Loading, error and empty states for one query, then the content. */
export function QueryView<T>({
  query,
  isEmpty,
  empty,
  children,
}: {
  query: UseQueryResult<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorNote error={query.error} />;
  if (isEmpty?.(query.data)) return <Empty>{empty ?? 'Nothing here yet.'}</Empty>;
  return <>{children(query.data)}</>;
}

export function Forbidden({ what }: { what: string }) {
  return (
    <div className="notice" role="note">
      Your role does not give access to {what}.
    </div>
  );
}
