import { CliError, ExitCode } from '../../src/cli/exit-codes';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nothingSucceeded, nothingSucceededLine, parseLoadCli, renderLoadReport, reportHasErrors } from '../../src/cli/commands/load';
import { runCli } from '../support/cli';
import { defaultThinkTimeMs, LoadOptionsError, parseLoadSettings, runLoad, type LoadReport } from '../../src/lab/load';

function cliError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected a CliError');
}

describe('parseLoadCli', () => {
  it('fills in defaults', () => {
    expect(parseLoadCli({})).toEqual({
      options: { target: 'http://127.0.0.1:8080/user/hit', rate: 10, durationSeconds: 30, requestsPerSession: [5, 15], logoutRatio: 0.5, requestTimeoutMs: 5000 },
      json: false,
      failOnErrors: false,
    });
  });

  it('parses every flag', () => {
    const parsed = parseLoadCli({ target: 'https://lab:8443/app/hit', rate: '2.5', duration: '3', requestsPerSession: '2-4', logoutRatio: '0', timeout: '250', json: true, failOnErrors: true });
    expect(parsed.options).toEqual({ target: 'https://lab:8443/app/hit', rate: 2.5, durationSeconds: 3, requestsPerSession: [2, 4], logoutRatio: 0, requestTimeoutMs: 250 });
    expect(parsed).toMatchObject({ json: true, failOnErrors: true });
    expect(parseLoadCli({ requestsPerSession: '7' }).options.requestsPerSession).toEqual([7, 7]);
  });

  it.each([
    [{ rate: '-1' }, '--rate: must be a positive number'],
    [{ rate: 'fast' }, '--rate: must be a positive number'],
    [{ rate: '0' }, '--rate: must be a positive number'],
    [{ duration: '' }, '--duration: must be a positive number'],
    [{ target: 'ftp://x/y' }, '--target: must be an http:// or https:// URL'],
    [{ target: 'not a url' }, '--target: must be an http:// or https:// URL'],
    [{ requestsPerSession: '9-3' }, '--requests-per-session: must be MIN-MAX'],
    [{ requestsPerSession: '0-3' }, '--requests-per-session: must be MIN-MAX'],
    [{ logoutRatio: '1.5' }, '--logout-ratio: must be a number from 0 to 1'],
    [{ timeout: '1.5' }, '--timeout: must be a whole number of milliseconds'],
  ])('rejects %j naming the flag', (input, message) => {
    const err = cliError(() => parseLoadCli(input));
    expect(err.exitCode).toBe(ExitCode.invalidInput);
    expect(err.message).toContain(message);
  });

  it('names every bad flag at once', () => {
    const err = cliError(() => parseLoadCli({ rate: 'x', duration: '-2' }));
    expect(err.message.split('\n')).toEqual(['--rate: must be a positive number', '--duration: must be a positive number']);
  });
});

describe('parseLoadSettings', () => {
  it('rejects a target that is not http(s) before sending anything', async () => {
    await expect(runLoad({ target: 'file:///etc/passwd', rate: 1, durationSeconds: 1 })).rejects.toThrow(LoadOptionsError);
    expect(() => parseLoadSettings({ target: 'http://127.0.0.1/x', rate: Number.NaN, durationSeconds: 1 })).toThrow('rate: must be a positive number');
    expect(() => parseLoadSettings({ target: 'http://127.0.0.1/x', rate: 1, durationSeconds: 1, requestsPerSession: [3, 1] })).toThrow('requestsPerSession');
  });

  it('derives a think time that lets short runs complete sessions', () => {
    expect(defaultThinkTimeMs({ durationSeconds: 3, requestsPerSession: [5, 15] })).toBe(100);
    expect(defaultThinkTimeMs({ durationSeconds: 600, requestsPerSession: [5, 15] })).toBe(1000);
    expect(defaultThinkTimeMs({ durationSeconds: 0.1, requestsPerSession: [5, 15] })).toBe(20);
  });
});

describe('rendering', () => {
  const report: LoadReport = {
    target: 'http://127.0.0.1:8080/user/hit',
    durationSeconds: 10,
    requests: 100,
    failed: 1,
    failures: [{ reason: 'http 502', count: 1 }],
    sessions: 9,
    lostSamples: [],
    completedSessions: 7,
    lostSessions: 0,
    versionFlips: 0,
    mixedEditionSeconds: 2,
    requestsPerSecond: 10,
    latencyMs: { p50: 1.5, p95: 3, p99: 4, max: 9 },
    versions: { '1.0': 99 },
    servers: { ServerX1: 50, ServerX2: 49 },
    newSessionsByServer: {},
    newSessionsByVersion: { '1.0': 6, '1.1': 3 },
    failedByServer: { ServerX2: 1 },
    lostSessionsByServer: {},
  };

  it('summarises in a few lines', () => {
    const text = renderLoadReport(report);
    expect(text).toContain('requests 100, failed 1 (http 502 x1)');
    expect(text).toContain('sessions 9 started, 7 completed, 0 lost, 0 version flips, 2 mixed-edition seconds');
    expect(text).toContain('servers: ServerX1 50, ServerX2 49');
    expect(text).toContain('new sessions by server: -');
    expect(text).toContain('new sessions by version: 1.0 6, 1.1 3');
    expect(text).toContain('failed by server: ServerX2 1; lost sessions by server: -');
  });

  it('treats any failure, loss or flip as an error', () => {
    expect(reportHasErrors(report)).toBe(true);
    expect(reportHasErrors({ ...report, failed: 0 })).toBe(false);
    expect(reportHasErrors({ ...report, failed: 0, versionFlips: 1 })).toBe(true);
  });

  it('leaves mixed-edition seconds to the procedures that forbid them', () => {
    expect(reportHasErrors({ ...report, failed: 0, mixedEditionSeconds: 5 })).toBe(false);
  });

  it('knows a run in which nothing succeeded, and names its most frequent failure', () => {
    expect(nothingSucceeded(report)).toBe(false);
    const dead = { ...report, requests: 15, failed: 15, failures: [{ reason: 'http 404', count: 15 }] };
    expect(nothingSucceeded(dead)).toBe(true);
    expect(nothingSucceeded({ ...report, requests: 0, failed: 0, failures: [] })).toBe(true);
    expect(nothingSucceededLine(dead)).toBe('turnout load: NOTHING SUCCEEDED: all 15 requests failed (most: http 404 x15); is http://127.0.0.1:8080/user/hit the right URL, and is it up?');
  });
});

describe('turnout load against a target that answers only 404', () => {
  it('prints the report, then one loud line, and exits 1', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end('no such page'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/user/hit`;
      const run = await runCli(['load', '--target', target, '--rate', '20', '--duration', '0.5']);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^requests \d+, failed \d+ \(http 404 x\d+\)$/m);
      expect(run.stderr).toMatch(/^turnout load: NOTHING SUCCEEDED: all \d+ requests failed \(most: http 404 x\d+\); is http:\/\/127\.0\.0\.1:\d+\/user\/hit the right URL, and is it up\?\n$/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
