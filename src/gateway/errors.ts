import { AppError, type ErrorCode } from '../errors/catalogue.js';

/** A catalogue error that also tells the client when to come back (limits, rate limiting). */
export class RetryableError extends AppError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}

export const retryAfterOf = (e: unknown): number | null =>
  e instanceof RetryableError ? e.retryAfterSeconds : null;
