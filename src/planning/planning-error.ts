/** Why a planner refused a request: the request and estate are valid, but the plan is unsafe or impossible. */
export class PlanningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanningError';
  }
}
