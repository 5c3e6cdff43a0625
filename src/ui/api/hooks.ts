import {
  type QueryKey,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { api, query } from './client.js';
import type { Me, Page } from './types.js';

export const ME: QueryKey = ['me'];

export function useMe() {
  return useQuery({ queryKey: ME, queryFn: () => api.get<Me>('/api/v1/me') });
}

export function useGet<T>(path: string | null) {
  return useQuery({
    queryKey: [path],
    queryFn: () => api.get<T>(path ?? ''),
    enabled: path !== null,
  });
}

type Params = Record<string, string | number | boolean | null | undefined>;

/** A cursor-paged list (`{data, next_cursor}`), loaded a page at a time with "Load more". */
export function usePaged<T>(path: string, params: Params = {}, enabled = true) {
  return useInfiniteQuery({
    queryKey: [path, params],
    queryFn: ({ pageParam }) =>
      api.get<Page<T>>(`${path}${query({ ...params, cursor: pageParam })}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    enabled,
  });
}

/**
 * A write: on success, every cached read whose key starts with one of `invalidates` (an API
 * path prefix) is refreshed, so lists never show the state from before the change.
 */
export function useAction<In, Out>(fn: (input: In) => Promise<Out>, invalidates: string[]) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await qc.invalidateQueries({
        predicate: (q) =>
          q.queryKey.some(
            (k) => typeof k === 'string' && invalidates.some((prefix) => k.startsWith(prefix)),
          ),
      });
    },
  });
}
