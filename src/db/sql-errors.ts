import { AppError } from '../app/errors.ts';

// SQLSTATE → AppError, in one place. The database enforces the rules; this names them.

interface PgError {
  code?: string;
  constraint?: string;
  column?: string;
  table?: string;
  detail?: string;
  message: string;
}

const isPgError = (e: unknown): e is PgError =>
  typeof e === 'object' && e !== null && typeof (e as PgError).code === 'string' && /^[0-9A-Z]{5}$/.test((e as PgError).code!);

/** The column a constraint is about, read from PostgreSQL's default constraint names. */
export function fieldOfConstraint(table: string | undefined, constraint: string | undefined): string | undefined {
  if (!constraint) return undefined;
  let name = constraint.replace(/_(check|fkey|key|idx|pkey)$/, '');
  if (table && name.startsWith(`${table}_`)) name = name.slice(table.length + 1);
  // foreign keys are named table_organization_id_<column>_fkey: the tenant column is not the news
  name = name.replace(/^organization_id_/, '');
  return name || undefined;
}

export function toAppError(e: unknown): unknown {
  if (e instanceof AppError || !isPgError(e)) return e;
  const field = e.column ?? fieldOfConstraint(e.table, e.constraint);
  const detail = (message: string) => [{ ...(field ? { field } : {}), message }];
  switch (e.code) {
    case '23505': // unique_violation
      // not e.detail: it quotes the key's values, which may be hashes of contact data
      return new AppError('CONFLICT', `${field ?? 'record'} already exists`, detail('already exists'), { cause: e });
    case '23P01': // exclusion_violation
      if (e.constraint === 'voice_booking_no_double_booking') {
        return new AppError('CONFLICT', 'the estimator already has a booking in this window', [{ field: 'window_start', message: 'overlaps another booking of this estimator' }], { cause: e });
      }
      return new AppError('CONFLICT', `${field ?? 'record'} overlaps another`, detail('overlaps another'), { cause: e });
    case '23503': // foreign_key_violation
      if (/^update or delete on table/.test(e.message)) {
        return new AppError('CONFLICT', 'other records still refer to this one', [], { cause: e });
      }
      return new AppError('VALIDATION', `${field ?? 'reference'}: refers to a record that does not exist`, detail('refers to a record that does not exist'), { cause: e });
    case '23514': // check_violation
      // the money's guards: a spend below zero, a day's calls over the cap
      if (e.constraint === 'budget_exceeded') return new AppError('BUDGET_EXCEEDED', 'the budget does not hold enough for this (top up with `porchlight budget topup`)', [], { cause: e });
      if (e.constraint === 'daily_cap_exceeded') return new AppError('BUDGET_EXCEEDED', "today's cap for this stage is used up", [], { cause: e });
    // falls through
    case '23502': // not_null_violation
    case '22P02': // invalid_text_representation (a malformed uuid, number ...)
    case '22001': // string_data_right_truncation
    case '22003': // numeric_value_out_of_range
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
      return new AppError('VALIDATION', `${field ? `${field}: ` : ''}${e.message}`, detail(e.message), { cause: e });
    case '42501': // insufficient_privilege, and row-level security refusing a row
      return new AppError('FORBIDDEN', 'not allowed for this organization or role', [], { cause: e });
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
    case '55P03': // lock_not_available
      return new AppError('CONFLICT', 'the record is being changed by someone else; try again', [], { cause: e });
    default:
      return e;
  }
}
