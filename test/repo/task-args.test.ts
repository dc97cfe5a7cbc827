/**
 * Every documented `npm run TASK -- ARGS` passes its arguments on: a projen task forwards them only
 * with `receiveArgs` (`npm run bench -- --only counts` once ran the whole suite and rewrote
 * docs/benchmarks.md, and `npm run servers -- --file F` wrote the default file).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

interface Task { readonly steps?: readonly { readonly receiveArgs?: boolean }[] }

/** The tasks that `npm run TASK -- ...` is documented with, in the tracked text files. */
export function documentedArgTasks(text: string): string[] {
  return [...text.matchAll(/npm run ([\w:-]+) -- /g)].map((m) => m[1]);
}

describe('documented task arguments reach the task', () => {
  test('the scan finds `npm run TASK -- ARGS` and nothing else', () => {
    expect(documentedArgTasks('`npm run bench -- --only counts`, npm run servers -- --file f, npm run demo, npm test')).toEqual(['bench', 'servers']);
  });

  test('each such task forwards its arguments (a step with receiveArgs)', () => {
    const tasks = JSON.parse(readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')).tasks as Record<string, Task>;
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0')
      .filter((f) => /\.(md|ts)$|^\.ci\//.test(f) && !f.startsWith('test/repo/'));
    const documented = new Map<string, string>();
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(path.join(ROOT, file), 'utf8');
      } catch {
        continue; // deleted in the work tree
      }
      for (const task of documentedArgTasks(text)) documented.set(task, file);
    }
    expect([...documented.keys()]).toEqual(expect.arrayContaining(['bench', 'conformance', 'servers']));
    const dropping = [...documented].filter(([task]) => /^(npx )?projen /.test(pkg.scripts[task] ?? '') && !tasks[task]?.steps?.some((step) => step.receiveArgs === true))
      .map(([task, file]) => `${task} (documented in ${file})`);
    expect(dropping).toEqual([]);
  });
});
