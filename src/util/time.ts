/** The current time as stored everywhere: an ISO 8601 string in UTC, e.g. `2026-11-30T08:05:00.000Z`. */
export function nowIso(): string {
  return new Date().toISOString();
}
