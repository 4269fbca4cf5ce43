import { existsSync } from 'node:fs';
import path from 'node:path';
import { clusterScript } from '../../src/drivers/wsadmin/jython';
import { redactedCommandLine, runWsadmin, WsadminError } from '../../src/drivers/wsadmin/wsadmin-runner';
import { createWsadminStandIn, wsadminSamples, type WsadminStandIn } from '../support/wsadmin-stand-in';

const password = 'pa$$ w0rd;`rm`';
const connection = ['-conntype', 'SOAP', '-host', 'dmgr.example.com', '-port', '8879', '-user', 'wasadmin'];
const script = clusterScript('start', 'ClusterY');

let standIn: WsadminStandIn;
beforeEach(() => {
  standIn = createWsadminStandIn();
});
afterEach(() => standIn.remove());

async function failure(run: Promise<unknown>): Promise<WsadminError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WsadminError)) throw new Error(`expected a WsadminError, got ${String(err)}`);
  return err;
}

describe('runWsadmin', () => {
  it('runs command -password <from env> -lang jython -f <private temp file>, then deletes the file', async () => {
    const logged: object[] = [];
    const result = await runWsadmin([standIn.bin, ...connection], script, {
      env: standIn.env({ WAS_PASSWORD: password }),
      passwordEnv: 'WAS_PASSWORD',
      logger: { debug: (obj) => logged.push(obj) },
    });
    const seen = standIn.last();
    expect(seen.args).toEqual([...connection, '-password', password, '-lang', 'jython', '-f', seen.scriptPath]);
    expect(seen.script).toBe(script);
    expect(seen.mode).toBe('600');
    expect(path.basename(seen.scriptPath)).toBe('script.py');
    expect(existsSync(seen.scriptPath)).toBe(false);
    expect(existsSync(path.dirname(seen.scriptPath))).toBe(false);
    expect(result.value).toEqual({ before: 'websphere.cluster.stopped', cluster: 'ClusterY', state: 'websphere.cluster.running' });
    expect(result.commandLine).toBe(`${standIn.bin} ${connection.join(' ')} -password *** -lang jython -f ${seen.scriptPath}`);
    expect(logged).toEqual([{ commandLine: result.commandLine }]);
    expect(JSON.stringify(logged)).not.toContain(password);
    // wsadmin gets the password as an argument only, not in its environment.
    expect(seen.env).not.toContain(password);
    expect(seen.env).not.toContain('WAS_PASSWORD');
  });

  it('passes no -password without a password variable', async () => {
    await runWsadmin([standIn.bin], script, { env: standIn.env() });
    expect(standIn.last().args.slice(0, -1)).toEqual(['-lang', 'jython', '-f']);
  });

  it('refuses to run when the password variable is not set', async () => {
    const err = await failure(runWsadmin([standIn.bin], script, { env: standIn.env(), passwordEnv: 'WAS_PASSWORD' }));
    expect(err.message).toBe('the wsadmin password variable WAS_PASSWORD is not set');
    expect(existsSync(path.join(path.dirname(standIn.bin), 'args'))).toBe(false);
  });

  it('fails on a non-zero exit, with the error line, the redacted command line, and the temp file gone', async () => {
    const env = standIn.env({ WAS_PASSWORD: password, WSADMIN_SAMPLE: path.join(wsadminSamples, 'failure-authentication.txt'), WSADMIN_EXIT: '103' });
    const err = await failure(runWsadmin([standIn.bin, ...connection], script, { env, passwordEnv: 'WAS_PASSWORD' }));
    expect(err.code).toBe('WASX7246E');
    expect(err.exitCode).toBe(103);
    expect(err.message.split('\n')[0]).toMatch(/^WASX7246E: Cannot establish "SOAP" connection to host "dmgr.example.com" because of an authentication failure/);
    expect(err.message).toContain('command: ');
    expect(err.message).toContain('-password ***');
    expect(err.message).not.toContain(password);
    expect(existsSync(standIn.last().scriptPath)).toBe(false);
  });

  it('scrubs the password from anything wsadmin printed', async () => {
    const env = standIn.env({ WAS_PASSWORD: password, WSADMIN_ECHO_ARGS: '1' });
    const err = await failure(runWsadmin([standIn.bin, ...connection], script, { env, passwordEnv: 'WAS_PASSWORD' }));
    expect(err.code).toBe('WASX7023E');
    expect(err.message).toContain('-password *** -lang jython');
    expect(`${err.message}\n${err.lines.join('\n')}\n${err.commandLine}`).not.toContain(password);
  });

  it.each([
    ['failure-wasx7017e', 105, 'WASX7017E'],
    ['failure-traceback', 105, 'WASX7017E'],
    ['failure-turnout-error', 1, undefined],
    ['failure-no-result', 0, undefined],
  ])('fails on %s', async (sample, exit, code) => {
    const env = standIn.env({ WSADMIN_SAMPLE: path.join(wsadminSamples, `${sample}.txt`), WSADMIN_EXIT: String(exit) });
    const err = await failure(runWsadmin([standIn.bin], script, { env }));
    expect(err.code).toBe(code);
    expect(existsSync(standIn.last().scriptPath)).toBe(false);
  });

  it('says so when the command cannot run', async () => {
    const err = await failure(runWsadmin([path.join(path.dirname(standIn.bin), 'no-such-wsadmin.sh')], script, { env: standIn.env() }));
    expect(err.message).toMatch(/^cannot run .*no-such-wsadmin\.sh: ENOENT/);
  });

  it('stops wsadmin when it does not answer in time', async () => {
    const err = await failure(runWsadmin([standIn.bin], script, { env: standIn.env({ WSADMIN_SLEEP: '60' }), timeoutMs: 300 }));
    expect(err.message).toMatch(/^wsadmin gave no answer within 300 ms and was stopped/);
  });
});

describe('redactedCommandLine', () => {
  it('masks every -password value and quotes what a shell would split', () => {
    expect(redactedCommandLine(['/opt/IBM/WebSphere/AppServer/bin/wsadmin.sh', '-user', 'was admin', '-password', 'x', '-password', "it's"])).toBe("/opt/IBM/WebSphere/AppServer/bin/wsadmin.sh -user 'was admin' -password *** -password ***");
  });
});
