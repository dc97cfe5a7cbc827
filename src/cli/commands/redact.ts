import { redactState, RedactError, REDACTED_JSON, REDACTED_MARKER } from '../../protocol/redact';
import { CliError } from '../output';

/**
 * `pull -redact`: the state with every sensitive value replaced by "(sensitive value)", every other
 * byte as stored. Needs the whole state in memory (the redactor follows paths through the document),
 * so the wiring reads the state (`readState`) instead of streaming it, then writes `bytes` to stdout
 * and `summary` to stderr.
 *
 * @throws CliError naming the problem when the bytes are not a redactable state (nothing is written)
 */
export function redactPulledState(bytes: Uint8Array): { bytes: Buffer; summary: string } {
  try {
    const { bytes: out, redacted } = redactState(bytes);
    return {
      bytes: out,
      summary: `Redacted ${redacted} sensitive value${redacted === 1 ? '' : 's'} (shown as "${REDACTED_MARKER}"; provider private data included). `
        + 'The output is for reading only: do not push it back.',
    };
  } catch (e) {
    if (e instanceof RedactError) throw new CliError(`pull -redact: ${e.message}`);
    throw e;
  }
}

/**
 * Finds {@link REDACTED_JSON} in bytes fed chunk by chunk (a marker split across chunks included),
 * so that `push` can warn about a redacted state without holding it in memory.
 */
export class RedactionMarkerScanner {
  private static readonly MARKER = Buffer.from(REDACTED_JSON, 'utf8');
  private tail = Buffer.alloc(0);
  /** A marker was seen. */
  public found = false;

  /** Looks at the next chunk. */
  public feed(chunk: Uint8Array): void {
    if (this.found) return;
    const joined = Buffer.concat([this.tail, chunk]);
    if (joined.includes(RedactionMarkerScanner.MARKER)) {
      this.found = true;
      return;
    }
    this.tail = joined.subarray(Math.max(0, joined.length - RedactionMarkerScanner.MARKER.length + 1));
  }
}

/** The warning `push` prints when the pushed state carries redaction markers (the push itself goes ahead). */
export const REDACTED_PUSH_WARNING = `the state being pushed contains ${REDACTED_JSON} strings, the marker "pull -redact" writes. `
  + 'A redacted state is for reading only: pushed, it replaces the stored secrets with the marker. If that was a mistake, '
  + 'write the previous version back with "tfstate history" and "tfstate restore VERSION_ID".\n';
