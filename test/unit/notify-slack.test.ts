/**
 * turnout's Slack payload against a hand-written sample of Slack's documented incoming-webhook and
 * Block Kit format (test/fixtures/slack/README.md says where each part comes from).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { slackNotifier } from '../../src/drivers/notify/slack-notifier';
import { allNotifyEvents } from '../../src/model';
import { notificationOf } from '../support/notification-sample';

const sample = JSON.parse(readFileSync(path.resolve(__dirname, '..', 'fixtures', 'slack', 'incoming-webhook-blocks.json'), 'utf8')) as unknown;
const links = { ui: 'http://localhost:8233/namespaces/default/workflows/rollout-1' };

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Where `ours` leaves the sample's shape: keys the sample does not have, other JSON types, and
 * `type` values (block, element, text object) the sample does not show. Array items are compared
 * with the sample's items of the same `type`.
 */
function shapeProblems(ours: unknown, model: unknown, at: string): string[] {
  if (kindOf(ours) !== kindOf(model)) return [`${at}: ${kindOf(ours)} where the sample has ${kindOf(model)}`];
  if (Array.isArray(ours) && Array.isArray(model)) {
    return ours.flatMap((item, i) => {
      const peers = isObject(item) && 'type' in item ? model.filter((m) => isObject(m) && m.type === item.type) : model;
      if (peers.length === 0) return [`${at}[${i}]: type ${String((item as Record<string, unknown>).type)} is not in the sample`];
      const merged = peers.every(isObject) ? Object.assign({}, ...peers) : peers[0];
      return shapeProblems(item, merged, `${at}[${i}]`);
    });
  }
  if (isObject(ours) && isObject(model)) {
    return Object.entries(ours).flatMap(([k, v]) => {
      if (!(k in model)) return [`${at}.${k}: not a key the sample has`];
      return shapeProblems(v, model[k], `${at}.${k}`);
    });
  }
  return [];
}

/** Slack's documented limits (fixture README), over every block. */
function limitProblems(payload: { blocks: Record<string, Json>[] }): string[] {
  const out: string[] = [];
  const text = (t: Json | undefined, max: number, where: string, plainOnly = false): void => {
    if (!isObject(t)) return void out.push(`${where}: no text object`);
    if (t.type !== 'plain_text' && (plainOnly || t.type !== 'mrkdwn')) out.push(`${where}: text type ${String(t.type)}`);
    if (typeof t.text !== 'string' || t.text.length === 0 || t.text.length > max) out.push(`${where}: text of ${String(t.text).length} characters (1-${max})`);
  };
  if (payload.blocks.length > 50) out.push(`${payload.blocks.length} blocks (at most 50)`);
  payload.blocks.forEach((b, i) => {
    const at = `blocks[${i}]`;
    if (b.type === 'header') text(b.text, 150, `${at}.text`, true);
    if (b.type === 'section') {
      if (b.text !== undefined) text(b.text, 3000, `${at}.text`);
      const fields = (b.fields ?? []) as Json[];
      if (fields.length > 10) out.push(`${at}.fields: ${fields.length} (at most 10)`);
      fields.forEach((f, j) => text(f, 2000, `${at}.fields[${j}]`));
    }
    if (b.type === 'actions') {
      const elements = b.elements as Record<string, Json>[];
      if (elements.length > 25) out.push(`${at}.elements: ${elements.length} (at most 25)`);
      elements.forEach((e, j) => {
        text(e.text, 75, `${at}.elements[${j}].text`, true);
        if (typeof e.url === 'string' && e.url.length > 3000) out.push(`${at}.elements[${j}].url too long`);
        if (typeof e.action_id === 'string' && e.action_id.length > 255) out.push(`${at}.elements[${j}].action_id too long`);
      });
    }
    if (b.type === 'context' && (b.elements as Json[]).length > 10) out.push(`${at}.elements: more than 10`);
  });
  return out;
}

describe('the Slack notifier', () => {
  it.each(allNotifyEvents)('sends %s in the documented incoming-webhook Block Kit shape, within its limits', (event) => {
    const payload = slackNotifier.body(notificationOf(event), links) as { text: string; blocks: Record<string, Json>[] };
    expect(shapeProblems(payload, sample, '$')).toEqual([]);
    expect(limitProblems(payload)).toEqual([]);
    expect(payload.text.length).toBeGreaterThan(0);
  });

  it('names the rollout, phase, who can approve, the UI link and the exact approve command', () => {
    const payload = slackNotifier.body(notificationOf('awaiting-approval'), links);
    const all = JSON.stringify(payload);
    expect(all).toContain('rollout-1');
    expect(all).toContain('*Phase*\\ncell-Y (gate cell-Y)');
    expect(all).toContain('*Who can approve*\\nanyone but release-bot (four-eyes)');
    expect(all).toContain(`"url":"${links.ui}"`);
    expect(all).toContain('turnout approve rollout-1 --by &lt;your name&gt; --phase cell-Y');
    expect(all).toContain('delivery rollout-1/notify-3');
  });

  it('keeps a long message within the section limit and escapes mrkdwn', () => {
    const payload = slackNotifier.body(notificationOf('failed', { message: `<b>&${'x'.repeat(5000)}` }), links) as { blocks: Record<string, Json>[] };
    expect(limitProblems(payload)).toEqual([]);
    expect(JSON.stringify(payload.blocks[1])).toContain('&lt;b&gt;&amp;x');
  });

  it('the sample itself passes the checks (so the checks are not vacuous)', () => {
    expect(shapeProblems(sample, sample, '$')).toEqual([]);
    expect(limitProblems(sample as { blocks: Record<string, Json>[] })).toEqual([]);
    expect(shapeProblems({ blocks: [{ type: 'table' }] }, sample, '$')).toEqual(['$.blocks[0]: type table is not in the sample']);
    expect(shapeProblems({ blocks: [{ type: 'header', text: { type: 'plain_text', text: 'x', verbatim: true } }] }, sample, '$')).toEqual(['$.blocks[0].text.verbatim: not a key the sample has']);
  });
});
