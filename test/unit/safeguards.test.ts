import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateEstate, validateRequest, type Estate, type RolloutRequest } from '../../src/model';
import { planRollout } from '../../src/planning';
import { resolveApprovers } from '../../src/planning/approvers';
import { safeguardProblems } from '../../src/planning/safeguards';
import { sharedFileProblems } from '../../src/planning/shared-endpoints';
import { controlCharacterProblems } from '../../src/planning/unsafe-text';
import { runCli } from '../support/cli';
import { safeRequest, unsafeCases, unsafeRequest } from '../support/unsafe-requests';
import { tempDir } from '../support/temp-dir';

const root = path.resolve(__dirname, '..', '..');
const tmp = tempDir('safeguards');
const now = new Date();

function parsed(input: unknown): { request: RolloutRequest; estate: Estate } {
  const checked = validateRequest(input);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return { request: checked.value, estate: checked.value.estate as Estate };
}

function problemsOf(input: unknown) {
  const { request, estate } = parsed(input);
  return safeguardProblems(request, estate, planRollout('multiCellRollout', request, estate), now);
}

function requestFile(name: string, input: unknown): string {
  const file = path.join(tmp, `${name.replace(/\W+/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(input));
  return file;
}

describe('requests that would silently remove a safeguard', () => {
  it('a safe request has no problem', () => {
    expect(problemsOf(safeRequest())).toEqual([]);
  });

  it.each(unsafeCases.map((c) => [c.name, c] as const))('refuses %s, naming the path', (_name, c) => {
    const problems = problemsOf(unsafeRequest(c));
    expect(problems).toEqual([expect.objectContaining({ path: c.path, ...(c.says ? { message: expect.stringContaining(c.says) } : {}) })]);
  });

  it.each(unsafeCases.map((c) => [c.name, c] as const))('turnout plan and turnout start exit 2 on %s, naming the path', async (_name, c) => {
    const file = requestFile(c.name, unsafeRequest(c));
    for (const command of ['plan', 'start']) {
      // No server at this address: start refuses before it connects.
      const run = await runCli([command, file], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
      expect({ command, code: run.code, stdout: run.stdout }).toEqual({ command, code: 2, stdout: '' });
      expect(run.stderr).toContain(`${file}: invalid request\n`);
      expect(run.stderr).toContain(`  ${c.path}: `);
    }
  });

  it('every example request and estate shipped with turnout still plans', async () => {
    for (const example of readdirSync(path.join(root, 'examples'))) {
      const run = await runCli(['plan', path.join(root, 'examples', example)], { TURNOUT_ESTATES: path.join(root, 'estates') });
      expect({ example, code: run.code, stderr: run.stderr }).toEqual({ example, code: 0, stderr: '' });
    }
  });

  it('refuses two load balancers given one loadbalancer.xml', () => {
    const input = JSON.parse(readFileSync(path.join(root, 'estates', 'lab-lb.json'), 'utf8'));
    const estate = (lb: unknown) => {
      const checked = validateEstate(lb);
      if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
      return checked.value;
    };
    expect(sharedFileProblems(estate(input), '$.estate')).toEqual([]);
    input.loadBalancers.balancers[1].file = input.loadBalancers.balancers[0].file;
    expect(sharedFileProblems(estate(input), '$.estate')).toEqual([{ path: '$.estate.loadBalancers.balancers[1].file', message: expect.stringContaining('is given the file of load balancer') }]);
  });

  it('finds control characters in keys and in nested strings, but not in free text', () => {
    const problems = controlCharacterProblems({ a: ['ok', 'line\u2028sep'], ['k\u0007']: 'x', description: 'two\nlines', b: { c: 'rtl\u202eoverride' } });
    expect(problems.map((p) => p.path)).toEqual(['$.a[1]', '$["k\\u0007"]', '$.b.c']);
  });
});

describe('approvers', () => {
  it('expands the estate groups a request names, and is undefined when it names none', () => {
    const input = safeRequest();
    input.estate.approverGroups = { release: ['alice', 'bob'], ops: ['carol'] };
    input.approvals = { approvers: ['group:release', 'dave', 'bob'] };
    const { request, estate } = parsed(input);
    expect(resolveApprovers(request, estate)).toEqual(['alice', 'bob', 'dave']);
    expect(problemsOf(input)).toEqual([]);
    expect(resolveApprovers(parsed(safeRequest()).request, estate)).toBeUndefined();
  });

  it('says which groups the estate declares when a request names another', () => {
    const input = safeRequest();
    input.estate.approverGroups = { release: ['alice'] };
    input.approvals = { approvers: ['group:relase'] };
    expect(problemsOf(input)).toEqual([{ path: '$.approvals.approvers[0]', message: 'the estate has no approver group relase; its groups are release' }]);
  });
});
