import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('config', () => {
  it('has defaults that run with nothing set', () => {
    expect(loadConfig({})).toMatchObject({ databaseUrl: undefined, dataDir: '.porchlight', port: 3000, encryptPii: true });
  });
  it('names each bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(/PORT.*|DATABASE_URL/);
    try {
      loadConfig({ PORT: 'eighty', PORCHLIGHT_SECRET_KEY: 'short' });
    } catch (e) {
      expect((e as { details: { field: string }[] }).details.map((d) => d.field).sort()).toEqual(['PORCHLIGHT_SECRET_KEY', 'PORT']);
    }
    expect.assertions(2);
  });
});
