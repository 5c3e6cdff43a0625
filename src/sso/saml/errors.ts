import { AppError } from '../../errors/catalogue.js';
import type { SamlFailure } from './types.js';

/**
 * A refused SAML sign-in as the sign-in kit reports it: the check's name is the audit reason,
 * and the core's sentence (which names the values it compared, never XML or library text) is
 * what the error page shows and the audit event keeps.
 */
export class SamlSignInError extends AppError {
  readonly reason: string;
  readonly detail: string;

  constructor(failure: Pick<SamlFailure, 'check' | 'message'>) {
    super(failure.check === 'body_too_large' ? 'payload_too_large' : 'sso_failed', failure.message);
    this.name = 'SamlSignInError';
    this.reason = failure.check;
    this.detail = failure.message;
  }
}
