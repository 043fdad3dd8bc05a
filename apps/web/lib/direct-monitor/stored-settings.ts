import { DEFAULT_DIRECT_MONITOR_OPTIONS } from './options.ts';

/** localStorage keys: `'1'`/`'0'`, and the calibration's compensation in ms (a number). */
export const DIRECT_MONITOR_STORAGE_KEYS = {
  enabled: 'bambam.directMonitoring',
  compensationMs: 'bambam.directMonitoring.compensationMs',
} as const;

/** The player's direct-monitoring choices as this browser remembers them. */
export interface StoredDirectMonitorSettings {
  readonly enabled: boolean;
  readonly compensationMs: number;
}

/** The page's storage, when it has one (private modes can throw). */
function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** A compensation within ± `maxCompensationMs`. */
export function clampCompensation(ms: number): number {
  const max = DEFAULT_DIRECT_MONITOR_OPTIONS.maxCompensationMs;
  return Math.min(max, Math.max(-max, ms));
}

/** What this browser remembers: on unless turned off, compensation 0 unless calibrated. */
export function loadDirectMonitorSettings(): StoredDirectMonitorSettings {
  const stored = storage();
  const compensation = Number(stored?.getItem(DIRECT_MONITOR_STORAGE_KEYS.compensationMs) ?? 0);
  return {
    enabled: stored?.getItem(DIRECT_MONITOR_STORAGE_KEYS.enabled) !== '0',
    compensationMs: Number.isFinite(compensation) ? clampCompensation(compensation) : 0,
  };
}

/** Remembers one setting; storage full or refused: the choice holds for this page only. */
export function storeDirectMonitorSetting(
  key: keyof StoredDirectMonitorSettings,
  value: boolean | number,
): void {
  try {
    storage()?.setItem(
      DIRECT_MONITOR_STORAGE_KEYS[key],
      typeof value === 'boolean' ? (value ? '1' : '0') : String(value),
    );
  } catch {
    // As above.
  }
}
