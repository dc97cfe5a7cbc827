import type { BackendCheck } from '../../client';
import { EXIT, out, paint, printJson, printTable } from '../output';
import { GlobalOptions, openSession } from '../session';

/**
 * `doctor`: pass/fail per check, exit 1 when any check fails. The checks are the client's
 * (`StateClient.checkBackend`): they reach the bucket with the configured credentials and through the
 * same object store as every other request.
 */
export async function doctorCommand(opts: GlobalOptions): Promise<number> {
  const s = await openSession(opts);
  try {
    const results = await s.client.checkBackend();
    const failed = results.some((r) => r.status === 'fail');
    if (opts.json) {
      printJson({ ok: !failed, checks: results });
    } else {
      const label = (st: BackendCheck['status']): string =>
        st === 'pass' ? paint('green', 'PASS') : st === 'warn' ? paint('yellow', 'WARN') : paint('red', 'FAIL');
      printTable(['CHECK', 'RESULT', 'DETAIL'], results.map((r) => [r.name, label(r.status), r.detail]));
      out(failed ? 'Some checks failed.' : 'All checks passed.');
    }
    return failed ? EXIT.ERROR : EXIT.OK;
  } finally {
    s.close();
  }
}
