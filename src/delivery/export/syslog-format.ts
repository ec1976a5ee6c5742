import { hostname } from 'node:os'

export type SyslogProtocol = 'rfc5424' | 'rfc3164'

/** OCSF severity_id to a syslog severity: critical 2, high 4 (warning), medium 5 (notice), else 6 (info). */
export function syslogSeverity(ocsfSeverityId: number): number {
  return ocsfSeverityId >= 5 ? 2 : ocsfSeverityId === 4 ? 4 : ocsfSeverityId === 3 ? 5 : 6
}

/** A syslog HOSTNAME: printable US-ASCII without spaces, at most 255 characters; `-` when there is none. */
export function syslogHostname(name = hostname()): string {
  const clean = name.replace(/[^\x21-\x7e]/g, '').slice(0, 255)
  return clean || '-'
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

export interface SyslogHeader {
  protocol: SyslogProtocol
  facility: number
  severity: number
  time: Date
  host: string
  app: string
}

/**
 * One syslog message around a payload. RFC 5424: `<PRI>1 TIMESTAMP HOST APP - - - MSG` (no BOM, no structured
 * data); RFC 3164: `<PRI>Mmm dd hh:mm:ss HOST TAG: MSG`, in UTC (3164 carries no zone).
 */
export function formatSyslog(h: SyslogHeader, payload: string): string {
  const pri = `<${h.facility * 8 + h.severity}>`
  if (h.protocol === 'rfc5424') return `${pri}1 ${h.time.toISOString()} ${h.host} ${h.app} - - - ${payload}`
  const t = h.time
  const day = String(t.getUTCDate()).padStart(2, ' ')
  const hms = [t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()].map((n) => String(n).padStart(2, '0'))
  return `${pri}${MONTHS[t.getUTCMonth()]} ${day} ${hms.join(':')} ${h.host} ${h.app}: ${payload}`
}

/**
 * TCP framing. RFC 5424 over TCP and TLS uses octet counting (`LEN SP MSG`, RFC 6587 / 5425); the legacy
 * format goes LF-terminated, which is safe because CEF escaping leaves no raw line break.
 */
export function frame(protocol: SyslogProtocol, message: string): string {
  if (protocol === 'rfc5424') return `${Buffer.byteLength(message, 'utf8')} ${message}`
  return `${message.replace(/[\r\n]/g, ' ')}\n`
}
