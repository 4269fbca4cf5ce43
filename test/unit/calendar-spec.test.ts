/** The `--calendar` spec of `turnout schedule create`. */
import { parseCalendarSpec } from '../../src/cli/calendar-spec';
import { CliError } from '../../src/cli/exit-codes';

function refusal(spec: string): CliError {
  try {
    parseCalendarSpec(spec);
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error(`'${spec}' was accepted`);
}

describe('parseCalendarSpec', () => {
  it('reads days and a time of day', () => {
    expect(parseCalendarSpec('SUN 02:00')).toEqual({ dayOfWeek: ['SUNDAY'], hour: 2, minute: 0, second: 0 });
    expect(parseCalendarSpec(' sat,SUN,sat  23:30 ')).toEqual({ dayOfWeek: ['SATURDAY', 'SUNDAY'], hour: 23, minute: 30, second: 0 });
    expect(parseCalendarSpec('* 4:05')).toEqual({ dayOfWeek: '*', hour: 4, minute: 5, second: 0 });
  });

  it.each(['', 'SUN', 'SUN 02:00 extra', 'SUNDAY 02:00', 'SUN,XYZ 02:00', 'SUN 24:00', 'SUN 02:60', 'SUN 2', 'SUN,,MON 02:00'])('refuses %j as invalid input naming --calendar', (spec) => {
    const err = refusal(spec);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^--calendar: /);
  });
});
