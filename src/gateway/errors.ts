import { AppError, type ErrorCode } from '../errors/catalogue.js';

/** A catalogue error that also tells the client when to come back (limits, rate limiting). */
export class RetryableError extends AppError {
  constructor(code: ErrorCode, message: string, retryAfterSeconds: number) {
    super(code, message, undefined, { retryAfterSeconds });
  }
}

export const retryAfterOf = (e: unknown): number | null =>
  e instanceof AppError ? (e.retryAfterSeconds ?? null) : null;
