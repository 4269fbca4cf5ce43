/**
 * `turnout dev --lab` as a person runs it, in its own process, seen from a second terminal: `turnout
 * lab status` sees its lab and `turnout start` links to its Web UI port. One dev process serves both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { LabStatus } from '../../src/lab/lab';
import { devStateFile } from '../../src/cli/dev-state';
import { runCli } from '../support/cli';
import { labEstateForTest } from '../support/lab-estate';
import { labRequest } from '../support/rollout-harness';
import { anyFreePort, testTemporalEnv } from '../support/test-temporal-env';

const turnoutBin = path.resolve(__dirname, '..', '..', 'bin', 'turnout.js');
/** Far beyond a dev server and a lab coming up on 2 cores; reaching it means it never did. */
const readyLimitMs = 120_000;

/** Resolves once the child prints `line` on stdout; rejects if it exits first or past the limit, with what it printed. */
function waitForLine(child: ChildProcess, line: string, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`turnout dev did not print "${line}" within ${readyLimitMs / 1000} s:\n${output()}`)), readyLimitMs);
    const done = (fn: () => void) => {
      clearTimeout(timer);
      fn();
    };
    child.stdout?.on('data', () => output().includes(line) && done(resolve));
    child.on('exit', (code) => done(() => reject(new Error(`turnout dev exited ${code}:\n${output()}`))));
  });
}

describe('turnout dev --lab --ui-port, from a second terminal', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'turnout-dev-cli-'));
  const stateHome = path.join(dir, 'state');
  const estate = labEstateForTest(13000, path.join(dir, 'lab'), 'lab-multi-cell.json');
  const estateFile = path.join(dir, 'estate.json');
  writeFileSync(estateFile, JSON.stringify(estate, null, 2));
  let child: ChildProcess | undefined;
  let output = '';
  let port = 0;
  let uiPort = 0;

  beforeAll(async () => {
    [port, uiPort] = [await anyFreePort(), await anyFreePort()];
    const env = { ...process.env, XDG_STATE_HOME: stateHome, TURNOUT_TEMPORAL_BIN: process.env[testTemporalEnv.binary], TURNOUT_UI_URL: '', TEMPORAL_ADDRESS: undefined };
    child = spawn(process.execPath, [turnoutBin, 'dev', '--lab', '--estate', estateFile, '--port', String(port), '--ui-port', String(uiPort)], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    await waitForLine(child, 'Press Ctrl-C to stop.', () => output);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const cliEnv = () => ({ XDG_STATE_HOME: stateHome, TEMPORAL_ADDRESS: `127.0.0.1:${port}` });

  it('prints the lab in its banner as lines a person reads', () => {
    expect(output).toContain(`  Temporal Web UI    http://localhost:${uiPort}`);
    expect(output).toMatch(/^ {4}web server \S+ +http:\/\/127\.0\.0\.1:\d+ {2}\(test VIP http:\/\/127\.0\.0\.1:\d+\)$/m);
    expect(output).not.toContain('{"prod"');
  });

  it('`turnout lab status` sees the lab that turnout dev runs, and `lab down` leaves it to turnout dev', async () => {
    const status = await runCli(['lab', 'status', '--estate', estateFile, '--json'], cliEnv());
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout) as LabStatus).toMatchObject({ running: true, pid: child?.pid, owner: 'turnout dev' });
    const text = await runCli(['lab', 'status', '--estate', estateFile], cliEnv());
    expect(text.stdout).toMatch(new RegExp(`^lab running \\(turnout dev pid ${child?.pid}, since `));
    const down = await runCli(['lab', 'down', '--estate', estateFile], cliEnv());
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`in turnout dev (pid ${child?.pid}`);
  });

  it('`turnout start` links to the UI port that turnout dev uses', async () => {
    const requestFile = path.join(dir, 'request.json');
    writeFileSync(requestFile, JSON.stringify(labRequest(estate)));
    const id = `dev-cli-${Date.now()}`;
    const started = await runCli(['start', requestFile, '--id', id], cliEnv());
    // Stopped at once: the link is what this test is about, not the rollout.
    const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    await new Client({ connection }).workflow.getHandle(id).terminate('dev-cli test: only the link matters').catch(() => undefined);
    await connection.close();
    expect(started.stderr).toBe('');
    expect(started.stdout.split('\n')[1]).toBe(`http://localhost:${uiPort}/namespaces/default/workflows/${id}`);
  });

  // A missing Temporal CLI would be found (or built, for minutes) after these checks: pointing at
  // none shows that they come first.
  const noTemporal = { TURNOUT_TEMPORAL_BIN: path.join(dir, 'no-such-temporal') };

  it('a second turnout dev names every port taken and the running lab at once, and starts nothing', async () => {
    const second = await runCli(['dev', '--lab', '--estate', estateFile, '--port', String(port), '--ui-port', String(uiPort)], { ...cliEnv(), ...noTemporal });
    expect(second.code).toBe(3);
    expect(second.stderr.split('\n').slice(0, 4)).toEqual([
      'turnout dev: nothing was started:',
      `  gRPC port ${port} on 127.0.0.1 is already in use (is another \`turnout dev\` or Temporal server running?)`,
      `  Web UI port ${uiPort} on 127.0.0.1 is already in use (is another \`turnout dev\` or Temporal server running?)`,
      `  a lab is already running for this estate, in turnout dev (pid ${child?.pid}, lab dir ${path.join(dir, 'lab')}); stop it there (Ctrl-C)`,
    ]);
  });

  it('turnout dev --lab with the sprayer port taken says so at once, before looking for the Temporal CLI', async () => {
    const other = labEstateForTest(13500, path.join(dir, 'other-lab'), 'lab-multi-cell.json');
    const otherFile = path.join(dir, 'other-estate.json');
    writeFileSync(otherFile, JSON.stringify(other));
    const sprayer = other.sprayer?.listen.port ?? 0;
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(sprayer, '127.0.0.1', resolve));
    try {
      const run = await runCli(['dev', '--lab', '--estate', otherFile, '--port', String(await anyFreePort()), '--ui-port', String(await anyFreePort())], { ...cliEnv(), ...noTemporal });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`127.0.0.1:${sprayer} (sprayer)`);
      expect(run.stderr).not.toContain('no-such-temporal');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('forgets its state file and its lab.json when it stops', async () => {
    const file = devStateFile(port, { XDG_STATE_HOME: stateHome });
    expect(existsSync(file)).toBe(true);
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child?.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(file)).toBe(false);
    const status = await runCli(['lab', 'status', '--estate', estateFile, '--json'], cliEnv());
    expect(JSON.parse(status.stdout) as LabStatus).toMatchObject({ running: false });
  });
});
