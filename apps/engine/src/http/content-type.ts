/**
 * The JSON-only rule for state-changing requests. A browser sends a cross-site request without
 * asking first (no CORS preflight) only when its Content-Type essence is `text/plain`,
 * `application/x-www-form-urlencoded` or `multipart/form-data`, so requiring the essence
 * `application/json` makes every cross-site write go through a preflight the engine refuses.
 * The check parses the media type as browsers do: `text/plain; x=application/json` is
 * text/plain, whatever its parameters say.
 */
import { MIMEType } from 'node:util';

/** True when `header` parses as `application/json` (parameters allowed; a charset must be UTF-8). */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  let type: MIMEType;
  try {
    type = new MIMEType(header);
  } catch {
    return false;
  }
  if (type.essence !== 'application/json') return false;
  const charset = type.params.get('charset');
  return charset === null || /^utf-?8$/i.test(charset);
}
