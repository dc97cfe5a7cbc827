import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/** Where the construct takes the stale-lock monitor's Lambda code from (must match MONITOR_HANDLER_DIR). */
export const MONITOR_HANDLER_DIR = path.join(ROOT, 'lib', 'monitor-handler');
const HANDLER_FILE = path.join(MONITOR_HANDLER_DIR, 'monitor', 'stale-locks-handler.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Compiles the stale-lock monitor (`tsc -p src/tsconfig.monitor.json`, as `npx projen compile` does)
 * when lib/monitor-handler is missing or older than its sources, so that construct tests synthesize the
 * real asset. Compiles into a private folder and renames it into place, so parallel test files never
 * see a half-written folder.
 */
export function ensureMonitorHandlerCompiled(): void {
  const sources = ['monitor', 'client', 'protocol'].map((d) => newestSource(path.join(ROOT, 'src', d)));
  if (existsSync(HANDLER_FILE) && statSync(HANDLER_FILE).mtimeMs >= Math.max(...sources)) return;
  mkdirSync(path.join(ROOT, 'lib'), { recursive: true });
  const tmp = path.join(ROOT, 'lib', `.monitor-handler-${process.pid}-${Date.now()}`);
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'src', 'tsconfig.monitor.json'), '--outDir', tmp], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
    });
    rmSync(MONITOR_HANDLER_DIR, { recursive: true, force: true });
    renameSync(tmp, MONITOR_HANDLER_DIR);
  } catch (e: any) {
    if (existsSync(HANDLER_FILE)) return; // another worker won the race
    throw new Error(`compiling the stale-lock monitor failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
