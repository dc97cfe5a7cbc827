/**
 * The stale-lock monitor's Lambda asset (lib/monitor-handler, compiled by src/tsconfig.monitor.json
 * with the client files it uses) carries only what its handler loads: a type-only import of the
 * client's runtime in a shared file would make tsc compile (and the asset ship) the whole runtime.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MONITOR_HANDLER_DIR, ensureMonitorHandlerCompiled } from '../support/monitor-handler';

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? jsFiles(p) : e.name.endsWith('.js') ? [p] : [];
  });
}

/** The compiled files reachable from `entry` through relative `require`s. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const target = path.resolve(path.dirname(file), m[1]);
      visit(target.endsWith('.js') ? target : `${target}.js`);
    }
  };
  visit(entry);
  return seen;
}

test('every file of the monitor asset is loaded by its handler', () => {
  ensureMonitorHandlerCompiled();
  const entry = path.join(MONITOR_HANDLER_DIR, 'monitor', 'stale-locks-handler.js');
  const loaded = reachable(entry);
  const files = jsFiles(MONITOR_HANDLER_DIR);
  expect(loaded.size).toBeGreaterThan(3);
  expect(files.filter((f) => !loaded.has(f)).map((f) => path.relative(MONITOR_HANDLER_DIR, f))).toEqual([]);
});
