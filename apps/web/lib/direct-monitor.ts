/**
 * Direct monitoring: the page plays each hit itself on a low-latency AudioContext. It lives in
 * `direct-monitor/` in parts (stored settings, sound bank, hit player, stream stats); this
 * module is the front the views import.
 */
export {
  DirectMonitor,
  type DirectMonitorEvents,
  type DirectMonitorReason,
  type DirectMonitorState,
} from './direct-monitor/direct-monitor.ts';
export type { DirectPlay } from './direct-monitor/direct-play.ts';
export { DEFAULT_DIRECT_MONITOR_OPTIONS } from './direct-monitor/options.ts';
export { DIRECT_MONITOR_STORAGE_KEYS } from './direct-monitor/stored-settings.ts';
