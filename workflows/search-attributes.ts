/**
 * The rollout search attributes (DESIGN, "Messages"): registered as Keyword when the dev server
 * starts, set by the workflows, and used by `turnout status` and the Web UI's filters.
 *
 * Lives in workflows/ because workflow code sets them; the dev server and the client import it too.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Names of the rollout search attributes, all Keyword. */
export const rolloutSearchAttributeNames = {
  app: 'RolloutApp',
  target: 'RolloutTarget',
  state: 'RolloutState',
  strategy: 'RolloutStrategy',
} as const;
export type RolloutSearchAttributeName = (typeof rolloutSearchAttributeNames)[keyof typeof rolloutSearchAttributeNames];

/** Typed keys for `upsertSearchAttributes` and `typedSearchAttributes`. */
export const rolloutSearchAttributes = {
  app: defineSearchAttributeKey(rolloutSearchAttributeNames.app, SearchAttributeType.KEYWORD),
  target: defineSearchAttributeKey(rolloutSearchAttributeNames.target, SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey(rolloutSearchAttributeNames.state, SearchAttributeType.KEYWORD),
  strategy: defineSearchAttributeKey(rolloutSearchAttributeNames.strategy, SearchAttributeType.KEYWORD),
} as const;
