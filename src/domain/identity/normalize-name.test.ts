import { describe, expect, it } from 'vitest';
import { nameKey, normalizeOwnerName, type OwnerName } from './normalize-name.ts';

const person = (firstName: string | null, middleName: string | null, lastName: string | null): Partial<OwnerName> =>
  ({ firstName, middleName, lastName, isCompany: false, companyName: null });

describe('normalizeOwnerName: people', () => {
  it.each<[string, Partial<OwnerName>]>([
    ['SMITH, JOHN A', person('John', 'A', 'Smith')],
    ['John A. Smith', person('John', 'A', 'Smith')],
    ['JOHN SMITH JR', person('John', null, 'Smith')],
    ['SMITH JR, JOHN', person('John', null, 'Smith')],
    ['SMITH, JOHN III', person('John', null, 'Smith')],
    ['Mr. John Smith II', person('John', null, 'Smith')],
    ['JOHN & MARY SMITH', { ...person('John', null, 'Smith'), fullName: 'John & Mary Smith' }],
    ['SMITH, JOHN & MARY', { ...person('John', null, 'Smith'), fullName: 'Smith, John & Mary' }],
    ['JOHN SMITH AND MARY JONES', person('John', null, 'Smith')],
    ['JOHN & MARY', person('John', null, null)],
    ["O'BRIEN, PATRICK", person('Patrick', null, "O'Brien")],
    ['MCDONALD, RONALD', person('Ronald', null, 'McDonald')],
    ['JUAN DE LA CRUZ', person('Juan', null, 'De La Cruz')],
    ['SMITH-JONES, ANN-MARIE', person('Ann-Marie', null, 'Smith-Jones')],
    ['CHER', person(null, null, 'Cher')],
    // Words that are also surnames stay people.
    ['JOHN CHURCH', person('John', null, 'Church')],
    ['CHURCH, ROBERT A', person('Robert', 'A', 'Church')],
    ['ANN BANK', person('Ann', null, 'Bank')],
    ['JOHN & MARY CHURCH', person('John', null, 'Church')],
    ['José Núñez', person('José', null, 'Núñez')],
    ['Gwen Wier,', person('Gwen', null, 'Wier')],
    // County-roll order without a comma, read only on a clear sign.
    ['KAPLAN RUTH B', person('Ruth', 'B', 'Kaplan')],
    ['SWEARINGEN JAMES S JR', person('James', 'S', 'Swearingen')],
    ['GUNN JAY M & CORINNA S', person('Jay', 'M', 'Gunn')],
    ['EARLS WILLIS & DOROTHY', person('Willis', null, 'Earls')],
    ['WAISMAN DONALD ALAN & BARBARA L', person('Donald', 'Alan', 'Waisman')],
    ['Robert D & Lenora Martinez,', person('Robert', 'D', 'Martinez')],
    // Care-of and address fragments are no part of the name.
    ['BURROUGHS JASON O APT 1402', { ...person('Jason', 'O', 'Burroughs'), fullName: 'Burroughs Jason O Apt 1402' }],
    ['SMITH, JOHN C/O JANE DOE', person('John', null, 'Smith')],
  ])('%s', (full, expected) => {
    expect(normalizeOwnerName({ full })).toMatchObject(expected);
  });

  it('takes separate columns over splitting, and keeps the whole text in fullName', () => {
    expect(normalizeOwnerName({ first: 'JOHN A', last: 'SMITH JR' })).toMatchObject({ ...person('John', 'A', 'Smith'), fullName: 'John A Smith Jr' });
    expect(normalizeOwnerName({ first: 'John', middle: 'Q', last: 'Public' })).toMatchObject(person('John', 'Q', 'Public'));
    expect(normalizeOwnerName({ full: 'SMITH JOHN & MARY', first: 'JOHN', last: 'SMITH' })).toMatchObject({ ...person('John', null, 'Smith'), fullName: 'Smith John & Mary' });
  });
});

describe('normalizeOwnerName: companies', () => {
  it.each([
    ['ACME HOLDINGS, L.L.C.', 'ACME HOLDINGS LLC'],
    ['Acme Inc.', 'ACME INC'],
    ['ACME CORP', 'ACME CORP'], ['ACME CORPORATION', 'ACME CORPORATION'], ['SMITH & CO', 'SMITH & CO'], ['ACME CO', 'ACME CO'], ['ACME COMPANY', 'ACME COMPANY'],
    ['THE SMITH FAMILY TRUST', 'THE SMITH FAMILY TRUST'], ['SMITH JOHN TR', 'SMITH JOHN TR'], ['JANE DOE TRUSTEE', 'JANE DOE TRUSTEE'],
    ['ESTATE OF JOHN SMITH', 'ESTATE OF JOHN SMITH'], ['EST OF JOHN SMITH', 'EST OF JOHN SMITH'], ['SMITH JOHN EST', 'SMITH JOHN EST'],
    ['MAIN STREET PARTNERS LP', 'MAIN STREET PARTNERS LP'], ['DOE LLP', 'DOE LLP'], ['ACME LTD', 'ACME LTD'], ['WELLS FARGO BANK NA', 'WELLS FARGO BANK NA'],
    ['BLUE SKY HOLDINGS', 'BLUE SKY HOLDINGS'], ['SUNSHINE PROPERTIES', 'SUNSHINE PROPERTIES'], ['ALPHA INVESTMENTS', 'ALPHA INVESTMENTS'],
    ['FIRST BAPTIST CHURCH', 'FIRST BAPTIST CHURCH'], ['CITY OF AUSTIN', 'CITY OF AUSTIN'], ['TRAVIS COUNTY', 'TRAVIS COUNTY'],
    ['LAKEVIEW HOMEOWNERS ASSOCIATION', 'LAKEVIEW HOMEOWNERS ASSOCIATION'], ['GATES FOUNDATION', 'GATES FOUNDATION'],
    ['FEDERAL NATIONAL MORTGAGE ASSOCIATION', 'FEDERAL NATIONAL MORTGAGE ASSOCIATION'], ['SECRETARY OF HOUSING AND URBAN DEVELOPMENT', 'SECRETARY OF HOUSING AND URBAN DEVELOPMENT'],
    ['123 MAIN STREET TRUST', '123 MAIN STREET TRUST'],
  ])('%s', (full, companyName) => {
    expect(normalizeOwnerName({ full })).toEqual({ firstName: null, middleName: null, lastName: null, fullName: companyName, companyName, isCompany: true });
  });

  it('cuts a care-of from the company name and keeps it in fullName', () => {
    expect(normalizeOwnerName({ full: 'CITY OF AUSTIN ATTN REAL ESTATE DIVISION' })).toMatchObject({ isCompany: true, companyName: 'CITY OF AUSTIN', fullName: 'CITY OF AUSTIN ATTN REAL ESTATE DIVISION' });
    expect(normalizeOwnerName({ full: 'GUARANTY FEDERAL BANK F S B % DIANA MARMOLEJO' })).toMatchObject({ isCompany: true, companyName: 'GUARANTY FEDERAL BANK F S B' });
  });

  it('finds a company written into the name columns', () => {
    expect(normalizeOwnerName({ last: 'ACME LLC' })).toMatchObject({ isCompany: true, companyName: 'ACME LLC' });
  });
});

describe('nameKey', () => {
  const key = (full: string) => nameKey(normalizeOwnerName({ full })!);
  it('matches the same owner written differently', () => {
    expect(key('SMITH, JOHN A')).toBe('JOHN SMITH');
    expect(key('John Smith Jr.')).toBe('JOHN SMITH');
    expect(key('JOHN & MARY SMITH')).toBe('JOHN SMITH');
    expect(key("O'Brien, Patrick")).toBe(key('PATRICK OBRIEN'));
    expect(key('Acme Holdings, L.L.C.')).toBe(key('ACME HOLDINGS LLC'));
    expect(key('The Smith Family Trust')).toBe('SMITH FAMILY TRUST');
  });
  it('tells different owners apart', () => {
    expect(key('SMITH, JOHN')).not.toBe(key('SMITH, JANE'));
    expect(key('ACME LLC')).not.toBe(key('ACME INC'));
  });
});

describe('nothing usable', () => {
  it.each([{}, { full: '' }, { full: '   ' }, { full: '&&' }, { full: ', .' }, { first: null, last: null }])('%j → null', (input) => {
    expect(normalizeOwnerName(input)).toBeNull();
  });
  it('never throws', () => {
    for (const bad of [undefined, 42, {}, '\u0000\uffff', 'x'.repeat(1_000_000)] as unknown as string[]) {
      expect(() => normalizeOwnerName({ full: bad, first: bad, last: bad })).not.toThrow();
    }
  });
});
