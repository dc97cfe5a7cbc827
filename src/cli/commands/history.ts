import type { StateHistoryEntry, StateWriter } from '../../client';
import { formatSize, note, paint, printJson, printTable } from '../output';
import { GlobalOptions, openSession } from '../session';

/**
 * `history`: versions of the state object, newest first, with serial and lineage (read from each
 * version's head) and who wrote each one: user, operation, lock ID and how that is known (the
 * version's own metadata, the `.tflock` version held at the time, the DynamoDB lock held now; or
 * ambiguous / unknown). See `docs/runtime-extras.md` §2.
 */
export async function historyCommand(opts: GlobalOptions & { writers?: boolean }): Promise<void> {
  const writers = opts.writers ?? true;
  const s = await openSession(opts);
  try {
    // Without writers: ListObjectVersions and one ranged GET per version, nothing else.
    const entries = await s.client.history({ attribute: writers });
    if (opts.json) {
      printJson(entries.map(historyJson));
      return;
    }
    if (entries.length === 0) {
      note(`No versions of ${s.client.paths.stateKey}.`);
      return;
    }
    printTable(
      ['VERSION ID', 'SERIAL', 'LINEAGE', 'SIZE', 'LAST MODIFIED', ...(writers ? ['WRITTEN BY', 'OPERATION', 'LOCK ID', 'SOURCE'] : []), ''],
      entries.map((r) => [
        r.versionId,
        r.isDeleteMarker ? '(deleted)' : String(r.serial ?? '-'),
        r.lineage || '-',
        r.size === undefined ? '-' : formatSize(r.size),
        r.lastModified?.toISOString() ?? '-',
        ...(writers ? writerColumns(r.writer) : []),
        r.isLatest ? paint('green', 'current') : '',
      ]),
    );
  } finally {
    s.close();
  }
}

/** One `history -json` row: the version, then its `writer` (absent for delete markers). */
function historyJson(v: StateHistoryEntry): Record<string, unknown> {
  return {
    versionId: v.versionId,
    serial: v.serial,
    lineage: v.lineage,
    size: v.size,
    lastModified: v.lastModified?.toISOString(),
    isLatest: v.isLatest,
    isDeleteMarker: v.isDeleteMarker,
    ...(v.writer ? { writer: v.writer } : {}),
  };
}

/** WRITTEN BY, OPERATION, LOCK ID, SOURCE of one row. */
function writerColumns(w: StateWriter | undefined): string[] {
  if (!w) return ['', '', '', ''];
  switch (w.source) {
    case 'ambiguous':
      return ['?', '?', '?', `ambiguous (${w.lockVersionIds?.length ?? 0} lock versions)`];
    case 'unknown':
      return ['-', '-', '-', 'unknown'];
    default:
      return [w.who || '-', w.operation || '-', w.lockId || '(no lock)', w.source];
  }
}
