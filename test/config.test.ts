// Configuration is validated once; a bad value stops the process with one line naming the variable.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 4000,
      DATA_DIR: './data',
      TOKEN_MAX_LIFETIME_SECONDS: 43_200,
      LOG_LEVEL: 'info',
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '' }).PORT).toBe(4000);
  });

  it.each([
    [{ PORT: 'abc' }, /^invalid configuration: PORT: /],
    [{ PORT: '70000' }, /^invalid configuration: PORT: /],
    [{ DATABASE_URL: 'mysql://x' }, /^invalid configuration: DATABASE_URL: must be a postgres:\/\//],
    [{ LOG_LEVEL: 'loud' }, /^invalid configuration: LOG_LEVEL: /],
    [{ TOKEN_CLOCK_TOLERANCE_SECONDS: '300' }, /^invalid configuration: TOKEN_CLOCK_TOLERANCE_SECONDS: /],
    [{ SEED_DEMO: 'maybe' }, /^invalid configuration: SEED_DEMO: /],
  ])('refuses %o with a line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a bad value (a connection URL may hold a password)', () => {
    try {
      loadConfig({ DATABASE_URL: 'mysql://user:s3cret@host/db' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });

  it('stops `npm start` with exit code 1 and one clear line', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'not-a-port', DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^invalid configuration: PORT: /)]);
  });
});
