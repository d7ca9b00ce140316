import { describe, expect, it } from 'vitest';
import { AppError } from '../app/errors.ts';
import { fieldOfConstraint, toAppError } from './sql-errors.ts';

describe('SQLSTATE to AppError', () => {
  it('reads the field from default constraint names', () => {
    expect(fieldOfConstraint('lead', 'lead_status_check')).toBe('status');
    expect(fieldOfConstraint('lead', 'lead_organization_id_assignee_id_fkey')).toBe('assignee_id');
    expect(fieldOfConstraint('app_user', 'app_user_organization_id_email_key')).toBe('email');
    expect(fieldOfConstraint('x', undefined)).toBeUndefined();
  });

  it('maps the codes the database answers with', () => {
    const cases: [string, string][] = [['23505', 'CONFLICT'], ['23503', 'VALIDATION'], ['23514', 'VALIDATION'], ['22P02', 'VALIDATION'], ['42501', 'FORBIDDEN'], ['40001', 'CONFLICT']];
    for (const [code, expected] of cases) {
      const e = toAppError(Object.assign(new Error('boom'), { code, table: 'lead', constraint: 'lead_status_check' }));
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe(expected);
    }
    const plain = new Error('not from the database');
    expect(toAppError(plain)).toBe(plain);
  });
});
