/**
 * Server names in a title or an event: all of them for a few, the first ones and a count for many.
 * A cell of 500 servers named in full made every step title and event 6 KB, and the status that
 * carries them passed history's payload limit.
 */
export function listed(names: readonly string[], max = 8): string {
  if (names.length <= max) return names.join(', ');
  const shown = Math.max(1, max - 3);
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}
