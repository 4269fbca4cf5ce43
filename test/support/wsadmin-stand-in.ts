/**
 * A stand-in for wsadmin.sh in a temp folder: a real shell script that records the arguments it
 * was given and the script file's content and mode, then prints a recorded output sample from
 * test/fixtures/wsadmin/output (by default the one named after the script's operation, from its
 * first line) and exits with the code asked for. WebSphere itself cannot run here.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The recorded output samples. */
export const wsadminSamples = path.resolve(__dirname, '..', 'fixtures', 'wsadmin', 'output');

const standIn = `#!/bin/sh
rec="$WSADMIN_RECORD"
: > "$rec/args"
prev=
script=
for a in "$@"; do
  printf '%s\\n' "$a" >> "$rec/args"
  [ "$prev" = "-f" ] && script="$a"
  prev="$a"
done
printf '%s\\n' "$script" > "$rec/script-path"
cp "$script" "$rec/script.py"
stat -c %a "$script" > "$rec/mode"
env > "$rec/env"
if [ -n "$WSADMIN_ECHO_ARGS" ]; then echo "WASX7023E: Error creating \\"SOAP\\" connection with arguments: $*"; fi
if [ -n "$WSADMIN_SLEEP" ]; then exec sleep "$WSADMIN_SLEEP"; fi
op=$(sed -n '1s/^# turnout wsadmin script: //p' "$script")
cat "\${WSADMIN_SAMPLE:-$WSADMIN_SAMPLES/$op.txt}"
exit "\${WSADMIN_EXIT:-0}"
`;

/** What the stand-in saw on its last run. */
export interface StandInRecord {
  args: string[];
  script: string;
  scriptPath: string;
  mode: string;
  env: string;
}

/** A stand-in wsadmin.sh and what it recorded. */
export interface WsadminStandIn {
  /** The stand-in's path: the first word of an estate's wsadmin command line. */
  bin: string;
  /** Environment for a run; `extra` picks a sample (`WSADMIN_SAMPLE`), an exit code (`WSADMIN_EXIT`), etc. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  last(): StandInRecord;
  remove(): void;
}

/** Writes a stand-in wsadmin.sh into a new temp folder. */
export function createWsadminStandIn(): WsadminStandIn {
  const dir = mkdtempSync(path.join(tmpdir(), 'turnout-wsadmin-stand-in-'));
  const bin = path.join(dir, 'wsadmin.sh');
  writeFileSync(bin, standIn);
  chmodSync(bin, 0o755);
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');
  return {
    bin,
    env: (extra = {}) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', WSADMIN_RECORD: dir, WSADMIN_SAMPLES: wsadminSamples, ...extra }),
    last: () => ({ args: read('args').split('\n').slice(0, -1), script: read('script.py'), scriptPath: read('script-path').trim(), mode: read('mode').trim(), env: read('env') }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
