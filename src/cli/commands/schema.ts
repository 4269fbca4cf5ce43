/** `turnout schema`: the JSON Schema of requests and estates, for editors. */
import type { Command } from 'commander';
import { z } from 'zod';
import { estateSchema, rolloutRequestSchema } from '../../model';

/** The JSON Schema document: a request, with the estate under `$defs`. */
export function jsonSchemas(): Record<string, unknown> {
  // Input schemas: defaults make fields optional for whoever writes the file.
  const request = z.toJSONSchema(rolloutRequestSchema, { io: 'input', unrepresentable: 'any' });
  const estate = z.toJSONSchema(estateSchema, { io: 'input', unrepresentable: 'any' });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://turnout.dev/schema/rollout-request.json',
    title: 'turnout RolloutRequest',
    ...stripMeta(request),
    $defs: { Estate: { title: 'turnout Estate', ...stripMeta(estate) } },
  };
}

function stripMeta(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of rollout requests (estates under $defs.Estate)')
    .option('--estate', 'print only the estate schema')
    .action((opts: { estate?: boolean }) => {
      const doc = jsonSchemas();
      const out = opts.estate ? (doc.$defs as Record<string, unknown>).Estate : doc;
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });
}
