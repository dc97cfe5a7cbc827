import { redactState, RedactError, REDACTED_MARKER } from '../../protocol/redact';
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
