/**
 * Terraform-style diagnostics (`tfdiags`): a severity, Terraform's summary and detail texts, and the
 * attribute they are attached to.
 */

/** One diagnostic. Structurally compatible with the client's `ConfigDiagnostic`. */
export interface Diagnostic {
  /** `error` refuses the configuration; `warning` is informational. */
  readonly severity: 'error' | 'warning';
  /** Terraform's summary, e.g. `Invalid Value`. */
  readonly summary: string;
  /** Terraform's detail text. */
  readonly detail: string;
  /** Dotted attribute path as Terraform prints it (`assume_role.duration`, `policy_arns[arn:...]`); absent for the whole body. */
  readonly attribute?: string;
  /** The same path as steps, e.g. `['assume_role', 'duration']`; absent for the whole body. */
  readonly path?: readonly (string | number)[];
}

/** An error diagnostic attached to an attribute path (or the whole body when `path` is empty). */
export function errorDiag(summary: string, detail: string, path: readonly (string | number)[] = []): Diagnostic {
  return withPath({ severity: 'error', summary, detail }, path);
}

/** A warning diagnostic attached to an attribute path (or the whole body when `path` is empty). */
export function warningDiag(summary: string, detail: string, path: readonly (string | number)[] = []): Diagnostic {
  return withPath({ severity: 'warning', summary, detail }, path);
}

function withPath(d: Diagnostic, path: readonly (string | number)[]): Diagnostic {
  if (path.length === 0) return d;
  return { ...d, attribute: pathString(path), path: [...path] };
}

/** Terraform's `pathString`: attribute names joined by `.`, index steps as `[key]`. */
export function pathString(path: readonly (string | number)[]): string {
  let out = '';
  path.forEach((step, i) => {
    if (typeof step === 'number') {
      out += `[${step}]`;
    } else if (i > 0 && step.startsWith('[')) {
      out += step;
    } else {
      out += (i > 0 ? '.' : '') + step;
    }
  });
  return out;
}

/** True when at least one diagnostic is an error. */
export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

/** Options of {@link formatDiagnostics}. */
export interface FormatDiagnosticsOptions {
  /** Add a `(attribute: x.y)` line, useful where Terraform would show the source location. @default false */
  readonly withAttribute?: boolean;
}

/**
 * Renders diagnostics as Terraform's CLI prints them without source context: `Error: <summary>`, a
 * blank line, `<detail>`; one block per diagnostic, blocks separated by a blank line.
 */
export function formatDiagnostics(diags: readonly Diagnostic[], options: FormatDiagnosticsOptions = {}): string {
  return diags.map((d) => {
    let text = `${d.severity === 'error' ? 'Error' : 'Warning'}: ${d.summary}\n`;
    if (options.withAttribute && d.attribute) text += `\n(attribute: ${d.attribute})\n`;
    if (d.detail !== '') text += `\n${d.detail}\n`;
    return text;
  }).join('\n');
}

/**
 * One diagnostic exactly as Terraform prints it without colour or a terminal
 * (`format.DiagnosticPlain` with no width): `\nError: <summary>\n\n`, then `<detail>\n` when there
 * is a detail. Terraform's trailing newlines included.
 */
export function formatDiagnosticPlain(d: Diagnostic): string {
  const head = `\n${d.severity === 'error' ? 'Error' : 'Warning'}: ${d.summary}\n\n`;
  return d.detail === '' ? head : `${head}${d.detail}\n`;
}
