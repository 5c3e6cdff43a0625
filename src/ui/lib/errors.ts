export interface ErrorDetail {
  path?: string;
  message: string;
}

/** An answer from Gatehouse that was not a success, with the catalogue code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads Gatehouse's error shape (`{"error": {"code", "message", "details"}}`); anything else
 * (a proxy's HTML page, an empty body) still becomes a readable error with the status.
 */
export function errorFromResponse(status: number, body: string): ApiError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  const e = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : null;
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    const details = Array.isArray(e.details)
      ? e.details.filter(isRecord).map((d) => ({
          ...(typeof d.path === 'string' ? { path: d.path } : {}),
          message: String(d.message ?? ''),
        }))
      : [];
    return new ApiError(status, e.code, e.message, details);
  }
  return new ApiError(status, 'http_error', `The server answered HTTP ${status}.`);
}

/** The message to show a person for any failure (API errors keep their own wording). */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof TypeError) return 'Gatehouse could not be reached. Check your connection.';
  return err instanceof Error ? err.message : String(err);
}
