// Statuses in which an inference's replicas run: it can be scaled and
// stopped, not deleted.
export const LIVE = new Set(['deployed', 'running']);
