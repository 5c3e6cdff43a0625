import { AppError } from '../errors/catalogue.js';

export type ScimErrorCode =
  | 'invalid_filter'
  | 'too_many'
  | 'uniqueness'
  | 'mutability'
  | 'invalid_syntax'
  | 'invalid_path'
  | 'no_target'
  | 'invalid_value'
  | 'precondition_failed'
  | 'not_found';

export const scimError = (code: ScimErrorCode, detail: string): AppError =>
  new AppError(code, detail);

/**
 * A filter or path that does not parse or does not resolve. It names the character position
 * (0-based, in the decoded text) and what the parser expected there, so an IdP admin can find
 * the mistake in a long filter.
 */
export class ScimSyntaxError extends AppError {
  readonly position: number;
  readonly expected: string;

  constructor(
    code: 'invalid_filter' | 'invalid_path',
    position: number,
    expected: string,
    found: string,
  ) {
    const what = code === 'invalid_filter' ? 'filter' : 'path';
    super(code, `Invalid ${what} at position ${position}: expected ${expected}, found ${found}.`);
    this.name = 'ScimSyntaxError';
    this.position = position;
    this.expected = expected;
  }
}
