/**
 * The session-aware load generator behind `turnout load`.
 *
 * It simulates users rather than requests: each user has its own cookie jar, starts a session,
 * makes a handful of requests with think time between them, then logs out or just walks away.
 * What a rollout must not do to those users is what it counts: failed requests, sessions the
 * servers forgot (the user had to start over), sessions that saw two versions of the app, and
 * seconds in which two editions took new sessions at once.
 *
 * Pacing is by slots: one request slot every 1/rate seconds. A slot goes to a user whose think
 * time is over, or to a new user when nobody is ready, so the overall rate holds whatever the
 * session length, and the number of users in flight settles near rate x think time.
 *
 * This file is the public surface; the parts are in `load/`: `options.ts` (what a caller may set,
 * validated), `run.ts` (users and the request loop), `transport.ts` (HTTP), `responses.ts`
 * (cookies and what an answer says), `tally.ts`, `mixed-edition.ts` and `figures.ts` (what the
 * run counts and reports). A file beside a folder of the same name, not `load/index.ts`: a build
 * output left from before the split would shadow the folder (`load.js` wins over `load/index.js`).
 */
export * from './load/options';
export * from './load/figures';
export * from './load/tally';
export * from './load/mixed-edition';
export * from './load/responses';
export { runLoad } from './load/run';
