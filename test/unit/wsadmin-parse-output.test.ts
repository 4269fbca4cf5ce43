import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseWsadminOutput, type WsadminOutcome } from '../../src/drivers/wsadmin/parse-output';

const sample = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'wsadmin', 'output', `${name}.txt`), 'utf8');

function failed(outcome: WsadminOutcome): Extract<WsadminOutcome, { ok: false }> {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome;
}

describe('parseWsadminOutput on recorded successes', () => {
  it('skips the banner and informational lines and returns the result', () => {
    const outcome = parseWsadminOutput(sample('install'));
    expect(outcome).toEqual({
      ok: true,
      value: { action: 'installed', app: 'userHitCount-1.1', virtualHosts: ['test_vhost'] },
      messages: expect.arrayContaining([expect.stringMatching(/^WASX7209I: Connected to process "dmgr"/), 'ADMA5013I: Application userHitCount-1.1 installed successfully.']),
    });
  });

  it.each(['set-virtual-host', 'start-cluster', 'stop-cluster', 'start-servers', 'stop-servers', 'restart-servers', 'list-servers', 'live-sessions', 'orb-requests', 'generate-plugin-cfg', 'propagate-plugin-cfg', 'read-bindings', 'set-bindings'])('reads %s', (name) => {
    expect(parseWsadminOutput(sample(name)).ok).toBe(true);
  });

  it('accepts Windows line ends', () => {
    expect(parseWsadminOutput(sample('start-cluster').replace(/\n/g, '\r\n'))).toMatchObject({ ok: true, value: { state: 'websphere.cluster.running' } });
  });
});

describe('parseWsadminOutput on recorded failures', () => {
  it('reports WASX7017E with the exception text', () => {
    const f = failed(parseWsadminOutput(sample('failure-wasx7017e'), '', 105));
    expect(f.code).toBe('WASX7017E');
    expect(f.error).toMatch(/^WASX7017E: Exception received while running file .*ADMA0043E: \/opt\/turnout\/ears\/userHitCount-1\.1\.ear does not exist for installation\.\]$/);
  });

  it('reports a Jython 2.1 traceback by its first error code and its exception line', () => {
    const f = failed(parseWsadminOutput(sample('failure-traceback'), '', 105));
    expect(f.code).toBe('WASX7017E');
    expect(f.error.split('\n')).toEqual([
      expect.stringMatching(/^WASX7017E: .*exception from Jython:$/),
      'com.ibm.ws.scripting.ScriptingException: WASX7077E: Incomplete config id: need closing parenthesis in "ClusterY(cells/Y|clusters/ClusterY/cluster.xml#ServerCluster_2"',
    ]);
  });

  it('reports a Jython 2.7 traceback', () => {
    const f = failed(parseWsadminOutput(sample('failure-traceback-jython27'), '', 105));
    expect(f.error.split('\n')[1]).toBe("AttributeError: 'NoneType' object has no attribute 'getCurrent'");
  });

  it('reports a traceback even without an error code', () => {
    const f = failed(parseWsadminOutput('Traceback (innermost last):\n  File "<string>", line 3, in ?\nNameError: turnout_jsn\n'));
    expect(f.code).toBeUndefined();
    expect(f.error).toBe('NameError: turnout_jsn');
  });

  it('reports an authentication failure', () => {
    const f = failed(parseWsadminOutput(sample('failure-authentication'), '', 103));
    expect(f.code).toBe('WASX7246E');
    expect(f.error).toMatch(/authentication failure/);
  });

  it("reports the script's own refusal", () => {
    expect(failed(parseWsadminOutput(sample('failure-turnout-error'), '', 1)).error).toBe('no cluster ClusterZ in cell Y');
  });

  it('reports a missing result line with the last lines wsadmin printed', () => {
    const f = failed(parseWsadminOutput(sample('failure-no-result')));
    expect(f.error.split('\n')[0]).toBe('the script printed no TURNOUT-RESULT line');
    expect(f.lines.at(-1)).toMatch(/^ADMA5076I: Application userHitCount-1\.1 edited successfully/);
    expect(f.error).toContain(f.lines.join('\n'));
  });

  it('reports a non-zero exit even with a result line', () => {
    expect(failed(parseWsadminOutput(sample('start-cluster'), 'killed', 137)).error).toMatch(/^wsadmin exited with code 137\n/);
  });

  it('refuses two result lines and a result that is not JSON', () => {
    expect(failed(parseWsadminOutput('TURNOUT-RESULT {}\nTURNOUT-RESULT {}\n')).error).toMatch(/^the script printed 2 TURNOUT-RESULT lines\n/);
    expect(failed(parseWsadminOutput('TURNOUT-RESULT {"a":\n')).error).toBe('the TURNOUT-RESULT line is not JSON');
  });

  it('finds error messages on stderr too', () => {
    expect(failed(parseWsadminOutput(sample('start-cluster'), 'WASX7015E: Error running command: x\n')).code).toBe('WASX7015E');
  });
});
