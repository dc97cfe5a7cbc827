import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The documented examples, read from the files themselves: fenced blocks of README.md, TSDoc `@example`
 * blocks of the construct sources, and the files of examples/. Each TypeScript example is completed by a
 * fixture (test/fixtures/docs/<name>.ts-fixture, jsii-rosetta's `/// here` convention) into a program
 * that is type-checked and, unless it is a runtime-client example, run and synthesized.
 */

export const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'docs');

/** One example: where it comes from (for test names and failure messages), its code and its fixture. */
export interface DocExample {
  readonly source: string;
  readonly code: string;
  readonly fixture: 'app' | 'in-app' | 'in-stack' | 'client' | 'file';
}

/** Fenced blocks of a language in a Markdown file, with their line number and an optional `<!-- fixture: x -->` before them. */
export function fencedBlocks(file: string, lang: string): Array<{ line: number; code: string; fixture?: string }> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Array<{ line: number; code: string; fixture?: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```' + lang) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const marker = before >= 0 ? /^<!-- fixture: ([a-z-]+) -->$/.exec(lines[before].trim()) : null;
    out.push({ line: start, code: lines.slice(start, end).join('\n'), fixture: marker?.[1] });
    i = end;
  }
  return out;
}

/**
 * The README's TypeScript blocks. A `<!-- fixture: name -->` comment before a block names its fixture;
 * otherwise: a block that creates its own `App` is `app`, one that uses the runtime client is `client`,
 * any other fragment runs inside a stack (`in-stack`).
 */
export function readmeExamples(): DocExample[] {
  return fencedBlocks(path.join(ROOT, 'README.md'), 'ts').map((b) => ({
    source: `README.md:${b.line}`,
    code: b.code,
    fixture: (b.fixture ?? (/new App\(/.test(b.code) ? 'app' : /cdk-tfstate-backend\/client|\bclient\./.test(b.code) ? 'client' : 'in-stack')) as DocExample['fixture'],
  }));
}

/** The `@example` blocks of the TSDoc comments under src/construct (API.md is generated from them). */
export function tsdocExamples(): DocExample[] {
  const dir = path.join(ROOT, 'src', 'construct');
  const out: DocExample[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    for (const comment of text.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
      const lines = comment.split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, ''));
      const at = lines.findIndex((l) => l.startsWith('@example'));
      if (at < 0) continue;
      const body: string[] = [];
      for (const l of lines.slice(at + 1)) {
        if (l.startsWith('@')) break;
        body.push(l);
      }
      const line = text.slice(0, text.indexOf(comment)).split('\n').length + comment.split('\n').findIndex((l) => l.includes('@example'));
      out.push({ source: `src/construct/${name}:${line}`, code: body.join('\n').trim(), fixture: 'in-stack' });
    }
  }
  return out;
}

/** Every file of examples/ (run as the main module, as `npx ts-node examples/x.ts` would). */
export function exampleFiles(): DocExample[] {
  const dir = path.join(ROOT, 'examples');
  return readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()
    .map((f) => ({ source: `examples/${f}`, code: readFileSync(path.join(dir, f), 'utf8'), fixture: 'file' as const }));
}

const IMPORT = /^import\s+(?:\{([^}]*)\}|\*\s+as\s+(\w+))\s+from\s+'([^']+)';\s*$/;

/** The example inside its fixture: imports merged at the top (a name imported twice is imported once), `declare` lines at module scope. */
export function assemble(example: DocExample): string {
  if (example.fixture === 'file') return example.code;
  const fixture = readFileSync(path.join(FIXTURES, `${example.fixture}.ts-fixture`), 'utf8').split('\n');
  const named = new Map<string, Set<string>>();
  const namespaces = new Set<string>();
  const declarations: string[] = [];
  const collect = (lines: string[]): string[] => lines.filter((l) => {
    const m = IMPORT.exec(l);
    if (m) {
      if (m[2]) namespaces.add(`import * as ${m[2]} from '${m[3]}';`);
      else m[1].split(',').map((s) => s.trim()).filter(Boolean).forEach((s) => named.set(m[3], (named.get(m[3]) ?? new Set()).add(s)));
      return false;
    }
    if (/^declare\s+const\s/.test(l)) {
      declarations.push(l);
      return false;
    }
    return true;
  });
  const fixtureBody = collect(fixture);
  const exampleBody = collect(example.code.split('\n'));
  const imports = [...namespaces, ...[...named].map(([mod, names]) => `import { ${[...names].join(', ')} } from '${mod}';`)];
  const here = fixtureBody.findIndex((l) => l.trim() === '/// here');
  if (here < 0) throw new Error(`fixture ${example.fixture} has no "/// here" line`);
  // A `declare const x` that the fixture defines is satisfied by the fixture's own `x`.
  const undeclared = declarations.filter((d) => !new RegExp(`\\bconst ${/declare\s+const\s+(\w+)/.exec(d)![1]}\\b`).test(fixtureBody.join('\n')));
  return [...imports, ...undeclared, ...fixtureBody.slice(0, here), ...exampleBody, ...fixtureBody.slice(here + 1)].join('\n');
}

/** Compiler options of the docs program: the package's own entry points resolve to the sources. */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
  baseUrl: ROOT,
  paths: {
    'cdk-tfstate-backend': ['src/index.ts'],
    'cdk-tfstate-backend/client': ['src/client/index.ts'],
  },
};

/** Type-checks every assembled example in one program; returns the diagnostics of the examples only, by source. */
export function typeCheck(examples: Array<{ source: string; text: string; fileName: string }>): Map<string, string[]> {
  const byFile = new Map(examples.map((e) => [path.join(ROOT, e.fileName), e]));
  const host = ts.createCompilerHost(OPTIONS);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const virtual = byFile.get(path.resolve(fileName));
    return virtual
      ? ts.createSourceFile(fileName, virtual.text, languageVersion, true)
      : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => byFile.has(path.resolve(f)) || fileExists(f);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => byFile.get(path.resolve(f))?.text ?? readFile(f);
  const program = ts.createProgram([...byFile.keys()], OPTIONS, host);
  const result = new Map<string, string[]>(examples.map((e) => [e.source, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const example = d.file ? byFile.get(path.resolve(d.file.fileName)) : undefined;
    if (!example) continue;
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    result.get(example.source)!.push(`line ${line + 1} of the assembled example: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  return result;
}

/**
 * Runs an assembled example as a CommonJS module whose file is `fileName`: the package's entry points and
 * relative imports resolve to the sources, everything else to this repository's node_modules.
 */
export function run(text: string, fileName: string, load: (id: string) => unknown): void {
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  const js = ts.transpileModule(text, { compilerOptions }).outputText;
  const dir = path.dirname(path.join(ROOT, fileName));
  const module = { exports: {} as Record<string, unknown> };
  const requireFn = Object.assign((id: string) => {
    if (id === 'cdk-tfstate-backend') return load(path.join(ROOT, 'src'));
    return load(id.startsWith('.') ? path.resolve(dir, id) : id);
  }, { main: module });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('require', 'module', 'exports', '__filename', '__dirname', js)(requireFn, module, module.exports, path.join(ROOT, fileName), dir);
}
