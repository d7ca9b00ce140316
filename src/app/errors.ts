// One error type for the whole application. Services throw AppError; the shells map it to their
// medium with the tables below, and nowhere else.

export type ErrorCode =
  /** The input is malformed or breaks a rule; details name the field. */
  | 'VALIDATION'
  /** A message template is well-formed input but cannot be sent as written (an unknown merge field, an email without a subject); details name the part and position. */
  | 'TEMPLATE_INVALID'
  /** The record does not exist, or is not visible to this organization or user. */
  | 'NOT_FOUND'
  /** The change collides with existing data (a unique key, a concurrent change, a lock). */
  | 'CONFLICT'
  /** The caller is known but their role does not allow this. */
  | 'FORBIDDEN'
  /** No credentials, or credentials that are wrong, revoked or expired. */
  | 'UNAUTHENTICATED'
  /** A compliance rule refused a touch (DNC, opt-out, consent, quiet hours). */
  | 'COMPLIANCE_DENIED'
  /** A spending cap or budget would be exceeded. */
  | 'BUDGET_EXCEEDED'
  /** An outside provider failed or answered with something unusable. */
  | 'PROVIDER_FAILED'
  /** Anything unexpected: a bug or an outage. */
  | 'INTERNAL';

export interface ErrorDetail {
  field?: string;
  line?: number;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  toJSON() {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export const httpStatusOf: Record<ErrorCode, number> = {
  VALIDATION: 400,
  TEMPLATE_INVALID: 422,
  UNAUTHENTICATED: 401,
  BUDGET_EXCEEDED: 402,
  FORBIDDEN: 403,
  COMPLIANCE_DENIED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PROVIDER_FAILED: 502,
  INTERNAL: 500,
};

/** CLI exit codes: 0 ok, 1 failure, 2 usage, 3 validation, 4 compliance or budget refusal. */
export const exitCodeOf: Record<ErrorCode, number> = {
  VALIDATION: 3,
  TEMPLATE_INVALID: 3,
  COMPLIANCE_DENIED: 4,
  BUDGET_EXCEEDED: 4,
  NOT_FOUND: 1,
  CONFLICT: 1,
  FORBIDDEN: 1,
  UNAUTHENTICATED: 1,
  PROVIDER_FAILED: 1,
  INTERNAL: 1,
};

export const validation = (field: string, message: string) =>
  new AppError('VALIDATION', `${field}: ${message}`, [{ field, message }]);

export const notFound = (what: string, id: string) => new AppError('NOT_FOUND', `${what} ${id} was not found`);
