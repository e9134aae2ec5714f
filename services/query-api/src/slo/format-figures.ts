/** Figures as reports print them. */

export function percentText(share: number | null, digits = 3): string {
  return share === null ? 'no data' : `${(share * 100).toFixed(digits)}%`;
}

export function burnRateText(burnRate: number | null): string {
  return burnRate === null ? 'no data' : `${burnRate.toFixed(2)}×`;
}

export function secondsText(seconds: number): string {
  return seconds >= 1 ? `${seconds.toFixed(2)} s` : `${(seconds * 1000).toFixed(2)} ms`;
}

/** 300 -> 5m, 3600 -> 1h, 259200 -> 3d. */
export function windowText(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds % 3_600 === 0) return `${seconds / 3_600}h`;
  return `${seconds / 60}m`;
}
