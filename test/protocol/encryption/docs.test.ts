import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { STATE } from './vectors';
import * as encryption from '../../../src/protocol/encryption';

// docs/opentofu-encryption.md: its examples run here as written.
const doc = readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'opentofu-encryption.md'), 'utf8');
const block = (lang: string): string => {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc);
  if (!m) throw new Error(`no ${lang} example in the document`);
  return m[1];
};

/** Compiles the TypeScript example into a function of the names it leaves to the reader. */
function compileApiExample(): (encryptionFromEnv: string | undefined, mainTf: string, plainState: Buffer) => Promise<Record<string, unknown>> {
  const lines = block('ts').split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import ')).join('\n');
  const source = `${imports.join('\n')}\nexport async function run(encryptionFromEnv: string | undefined, mainTf: string, plainState: Buffer) {\n${body}\n`
    + 'return { stored, state, status, wasEncrypted };\n}\n';
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  const requireShim = (id: string): unknown => {
    if (id === '../protocol/encryption') return encryption;
    throw new Error(`the example imports ${id}`);
  };
  new Function('require', 'module', 'exports', js)(requireShim, mod, mod.exports);
  return mod.exports.run as ReturnType<typeof compileApiExample>;
}

describe('docs/opentofu-encryption.md', () => {
  test('the API example, fed the HCL example, writes a v0 envelope keyed by the key provider and reads it back', async () => {
    const out = await compileApiExample()(undefined, block('hcl'), STATE);
    expect(out.state).toEqual(STATE);
    expect(out.status).toBe('satisfied');
    expect(out.wasEncrypted).toBe(true);
    const parsed = encryption.parseEnvelope(out.stored as Buffer);
    expect('envelope' in parsed && [...parsed.envelope.meta.keys()]).toEqual(['key_provider.pbkdf2.mykey']);
    expect(String(out.stored)).toMatch(/^\{"serial":7,"lineage":"3f1c2a9e-0000-4000-8000-000000000001","meta":\{.*\},"encrypted_data":".*","encryption_version":"v0"\}$/);
  });
});
