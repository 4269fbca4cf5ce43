/**
 * Reading message inputs that anyone can send (workflows/message-input.ts): payloads that will not
 * decode become refusals, and names carry no characters that forge or hide text. The integration
 * fuzz (message-fuzz.test.ts) proves the same on a running rollout; these pin the pieces.
 */
import { arrayFromPayloads, defaultPayloadConverter, RawValue } from '@temporalio/common';
import { decodeArgument, readInput, receivedRaw, senderOf, UndecodableInput } from '../../workflows/message-input';
import { approveInputSchema, approveSignal } from '../../workflows/messages';

describe('message inputs', () => {
  const payload = (encoding: string, data: string) => ({ metadata: { encoding: Buffer.from(encoding) }, data: Buffer.from(data) });

  it('receives every argument of a signal as its payload, however many are sent', () => {
    const def = receivedRaw(approveSignal);
    expect(def.name).toBe('approve');
    const args = arrayFromPayloads(defaultPayloadConverter, [payload('json/plain', '{"by":"alice"}'), payload('json/plain', '{oops'), payload('binary/protobuf', 'x')], undefined, def.typeInfo?.inputTypes);
    expect(args.every((a) => a instanceof RawValue)).toBe(true);
  });

  it('decodes a raw argument, and turns one that will not decode into a refusal', () => {
    expect(decodeArgument(RawValue.fromPayload(payload('json/plain', '{"by":"alice"}')))).toEqual({ by: 'alice' });
    expect(decodeArgument(undefined)).toBeUndefined();
    for (const bad of [payload('json/plain', '{oops'), payload('binary/protobuf', 'x'), { metadata: {} }]) {
      const input = decodeArgument(RawValue.fromPayload(bad));
      expect(input).toBeInstanceOf(UndecodableInput);
      const read = readInput(approveInputSchema, input);
      expect(read).toEqual({ ok: false, problems: expect.stringMatching(/^the input could not be decoded: /) });
      expect(senderOf(input)).toBe('unknown');
    }
  });

  it('refuses names with control, line-separator or bidirectional characters, and keeps them out of refusals', () => {
    for (const c of ['\u0000', '\n', '\u001b', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\u200f', '\u202e', '\u2067']) {
      expect(approveInputSchema.safeParse({ by: `ali${c}ce` }).success).toBe(false);
      expect(approveInputSchema.safeParse({ by: 'alice', phase: `cell${c}Y` }).success).toBe(false);
      expect(senderOf({ by: `ali${c}ce` })).toBe('ali ce');
    }
    // Letters from any script, and emoji joined with a zero-width joiner, are names.
    for (const by of ['Zoë', 'Łukasz', '山田', 'عائشة', '👩‍💻 ops']) expect(approveInputSchema.safeParse({ by }).success).toBe(true);
  });
});
