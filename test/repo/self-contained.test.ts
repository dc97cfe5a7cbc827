/**
 * The repository is self-contained: no tracked file names an absolute path of a machine (a checkout,
 * a shared folder, a temp file, a home directory). Tests read fixtures from test/fixtures/, temp files
 * come from os.tmpdir(). Only system interfaces every Linux/macOS host has are allowed, where code
 * really uses them (see ALLOWED). Repository-anchored patterns (.gitignore, .npmignore) are not paths.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Top-level directories of a machine's file system (names only, so this file names no path). */
const MACHINE_ROOTS = ['work', 'tmp', 'home', 'Users', 'root', 'var', 'opt', 'mnt', 'srv', 'private', 'Volumes', 'usr', 'etc', 'proc', 'dev', 'bin', 'sbin', 'lib', 'lib64', 'run', 'sys', 'snap', 'nix', 'media', 'workspace', 'github', 'builds', 'data'];

/** System paths code legitimately names, with why. */
const ALLOWED: readonly RegExp[] = [
  /^\/dev\/(null|stdin|stdout|stderr)$/, // the null device and standard streams
  /^\/usr\/bin\/env$/, // shebang of scripts and the CLI
  /^\/bin\/(sh|bash)$/, // shells
  /^\/proc\//, // Linux process and socket tables (test/setup reads ports and process state)
  /^\/etc\//, // system configuration files
  /^\/var\/run\//, // runtime files, e.g. a web identity token file as EKS mounts it
];

/** Tracked files whose `/x` entries are patterns anchored at the repository root, not paths. */
const ANCHORED_PATTERN_FILES = new Set(['.gitignore', '.npmignore', '.gitattributes']);

const PATH_RE = new RegExp(String.raw`(?<![\w.~:/$@{}*\\-])/(?:${MACHINE_ROOTS.join('|')})/[^\s"'\x60)\]},;*]*`, 'g');
const WINDOWS_RE = /(?<![\w])[A-Za-z]:\\(?:Users|Windows|Program Files|work|tmp|temp)\\/gi;

/** Every absolute machine path in `text` that is not allowed. */
export function machinePaths(text: string): string[] {
  const found = [...text.matchAll(PATH_RE)].map((m) => m[0].replace(/[.]+$/, ''))
    .filter((p) => !ALLOWED.some((re) => re.test(p)));
  return [...found, ...[...text.matchAll(WINDOWS_RE)].map((m) => m[0])];
}

describe('no absolute path of any machine in the repository', () => {
  test('the detector finds machine paths and lets system interfaces through', () => {
    const slash = '/';
    expect(machinePaths(`read ${slash}work${slash}shared${slash}fixtures/x.tfstate`)).toEqual([`${slash}work${slash}shared${slash}fixtures/x.tfstate`]);
    expect(machinePaths(`const F = '${slash}tmp${slash}out.json';`)).toEqual([`${slash}tmp${slash}out.json`]);
    expect(machinePaths(`cd ${slash}home${slash}alice/ && ls C:\\Users\\bob\\x`)).toEqual([`${slash}home${slash}alice/`, 'C:\\Users\\']);
    expect(machinePaths('#!/usr/bin/env node\nx > /dev/null; cat /proc/net/tcp; https://example.com/tmp/x; a/tmp/b; /workspaceKeyPrefix/; /workspace name/')).toEqual([]);
  });

  test('git ls-files: no tracked file names one', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f !== '');
    expect(files.length).toBeGreaterThan(50);
    const offenders: string[] = [];
    for (const file of files) {
      if (ANCHORED_PATTERN_FILES.has(path.basename(file))) continue;
      let text: string;
      try {
        text = readFileSync(path.join(ROOT, file), 'utf8');
      } catch {
        continue; // deleted in the work tree
      }
      if (text.includes('\0')) continue; // binary
      for (const p of machinePaths(text)) offenders.push(`${file}: ${p}`);
    }
    expect(offenders).toEqual([]);
  });
});
