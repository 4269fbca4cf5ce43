/** Issue 14's budget for a rollout of 2,000 servers, shared by the scale bench and the test that holds 600 servers to it. */
export const scaleBudget = { historyEvents: 10_000, historyBytes: 4 * 2 ** 20, payloadBytes: 256 * 2 ** 10, planMs: 1000, overheadMedianMs: 5 } as const;
