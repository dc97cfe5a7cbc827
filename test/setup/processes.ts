import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import * as path from 'node:path';

/** File listing, one per line, the process groups the watchdog must kill if the starter dies. */
export const PROCESS_GROUPS_FILE = 'process-groups';

/** Result of a command run to completion. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion with a hard timeout, failing with its output in the message.
 */
export function run(command: string, args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: opts.env ?? process.env },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed ? `timed out after ${timeoutMs} ms` : `failed (${error.code ?? error.signal})`;
          reject(new Error(`\`${command} ${args.join(' ')}\` ${why}: ${String(stderr).trim() || String(stdout).trim() || error.message}`));
        } else {
          resolve({ stdout: String(stdout), stderr: String(stderr) });
        }
      });
  });
}

/** Whether an executable is on the PATH. */
export async function hasCommand(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`], { timeoutMs: 5_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs Debian packages when `command` is missing, non-interactively.
 *
 * Waits for the dpkg lock instead of failing because other engineers' test runs may be installing
 * the same packages at the same moment.
 */
export async function ensureDebianPackages(command: string, packages: readonly string[], log: (msg: string) => void): Promise<void> {
  if (await hasCommand(command)) return;
  log(`\`${command}\` is missing: installing Debian packages ${packages.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  try {
    await run('apt-get', [...lock, 'update'], { timeoutMs: 300_000, env });
    await run('apt-get', [...lock, 'install', '-y', '--no-install-recommends', ...packages], { timeoutMs: 600_000, env });
  } catch (error) {
    throw new Error(`Cannot install ${packages.join(' ')}, needed for the local test servers. `
      + `Install them by hand (as root: apt-get update && apt-get install -y ${packages.join(' ')}). Cause: ${(error as Error).message}`);
  }
  if (!await hasCommand(command)) {
    throw new Error(`Installed ${packages.join(' ')} but \`${command}\` is still not on the PATH (${process.env.PATH}).`);
  }
}

/**
 * Picks a free TCP port on 127.0.0.1 below the kernel's ephemeral range.
 *
 * Ceph daemons need their port written into their config before they start, so the port cannot
 * come from binding port 0. Staying below the ephemeral range keeps the outgoing connections of
 * every process on the machine (including other test runs' clusters) from taking the port in the
 * seconds between this check and the daemon's bind; a random start spreads concurrent runs apart.
 */
export async function pickFreePort(): Promise<number> {
  let ephemeralMin = 32768;
  try {
    ephemeralMin = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralMin;
  } catch {
    // Not Linux: keep the IANA default.
  }
  const low = 10_000;
  const high = Math.max(low + 1_000, ephemeralMin);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await isPortFree(port)) return port;
  }
  throw new Error(`No free TCP port found on 127.0.0.1 in ${low}-${high} after 50 tries.`);
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A long-running server process started in its own process group. */
export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Set once the process has exited, with its exit code or signal. */
  exited?: string;
}

/**
 * Starts a server in its own process group (so stopping it also stops anything it forked) with
 * stdout and stderr appended to `logFile`, and records the group for the watchdog.
 */
export async function startDaemon(
  name: string, command: string, args: readonly string[], opts: { dir: string; logFile: string; cwd?: string },
): Promise<Daemon> {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(command, [...args], { cwd: opts.cwd ?? opts.dir, detached: true, stdio: ['ignore', fd, fd] });
    const pid = child.pid;
    if (pid === undefined) {
      throw new Error(`Cannot start ${name} (\`${command}\`): spawn returned no PID. Is it installed and on the PATH?`);
    }
    const daemon: Daemon = { name, pid, logFile: opts.logFile };
    child.once('exit', (code, signal) => { daemon.exited = signal ?? `exit code ${code}`; });
    child.once('error', (error) => { daemon.exited = error.message; });
    // The starter must be free to exit: stopping is explicit (or the watchdog's job).
    child.unref();
    await appendFile(path.join(opts.dir, PROCESS_GROUPS_FILE), `${pid}\n`);
    return daemon;
  } finally {
    closeSync(fd);
  }
}

/**
 * Starts a watchdog that kills the recorded process groups and removes `dir` once `ownerPid`
 * is gone, so that a test run killed with SIGKILL leaves no servers behind.
 */
export async function startWatchdog(dir: string, ownerPid: number): Promise<number> {
  const groups = path.join(dir, PROCESS_GROUPS_FILE);
  const script = [
    `while kill -0 ${ownerPid} 2>/dev/null; do sleep 1; done`,
    `if [ -f '${groups}' ]; then for g in $(cat '${groups}'); do kill -KILL -$g 2>/dev/null; done; fi`,
    `rm -rf '${dir}'`,
  ].join('\n');
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('Cannot start the local servers\' watchdog (sh).');
  child.unref();
  return child.pid;
}

/** Last lines of a log file, for error messages. */
export function tailOf(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(log file not readable)';
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Stops process groups: SIGTERM, then SIGKILL for whatever is left after `graceMs` (short: the
 * servers hold only throw-away data, and memstore OSDs take seconds to flush it on SIGTERM).
 */
export async function killGroups(pgids: readonly number[], graceMs = 1_000): Promise<void> {
  const valid = pgids.filter((p) => Number.isInteger(p) && p > 1);
  for (const pgid of valid) signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (valid.some(groupAlive) && Date.now() < deadline) {
    await sleep(100);
  }
  for (const pgid of valid.filter(groupAlive)) signalGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + 2_000;
  while (valid.some(groupAlive) && Date.now() < killDeadline) {
    await sleep(50);
  }
}

/** Promise-based delay. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it returns a value, the daemon exits, or `timeoutMs` passes; then fails with
 * a message naming the server and its log file.
 */
export async function waitUntilReady<T>(daemon: Daemon, what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  let delay = 100;
  while (Date.now() < deadline) {
    if (daemon.exited !== undefined) {
      throw new Error(`${daemon.name} exited (${daemon.exited}) before ${what}. Log: ${daemon.logFile}\n${tailOf(daemon.logFile)}`);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(delay);
    delay = Math.min(delay * 1.5, 500);
  }
  throw new Error(`${daemon.name} was not ready (${what}) within ${timeoutMs / 1000} s${lastError ? ` (last probe error: ${lastError})` : ''}. `
    + `Log: ${daemon.logFile}\n${tailOf(daemon.logFile)}`);
}
