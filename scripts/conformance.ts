/**
 * State round-trip conformance: `npm run conformance -- DIR [DIR...]`.
 *
 * In each DIR (searched recursively), every `NAME.in.tfstate` with a `NAME.out.tfstate` beside it is
 * a pair from Terraform's or OpenTofu's `internal/states/statefile/testdata/roundtrip`, checked as
 * their `TestRoundtrip` does, then more strictly:
 *
 * 1. semantic: read `.in` (any format version), write it (Terraform's `Write`, OpenTofu's
 *    `WriteIndent` as its test uses), read the result with the v4 reader, and compare it with `.out`
 *    read the same way: serial, lineage and the whole state must match (`terraform_version` is not
 *    compared: Terraform's `Write` stamps its own version and `deep.Equal` skips it);
 * 2. idempotent (stricter): writing what was read back gives the same bytes again;
 * 3. bytes (stricter, where the writer is deterministic, i.e. always except `check_results` with more
 *    than one entry, which Terraform keeps in a Go map): when `.out` is itself in the writer's form
 *    (2-space indent, Terraform's field order), our bytes must equal the file's bytes except for the
 *    `terraform_version` value; otherwise the line says the `.out` is hand-formatted.
 *
 * Any other `*.tfstate` file is read, rewritten and checked for idempotence (no crash, same bytes on
 * the second write). Pairs under a directory named `opentofu` follow OpenTofu's reader and writer.
 * Prints one line per check and `conformance: N passed, M failed`; exits non-zero on a failure or
 * when nothing was found.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseState, writeState, type StateFile, type StateFlavor } from '../src/protocol/state';

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.tfstate')) out.push(p);
  }
  return out;
}

function flavorOf(file: string): StateFlavor {
  return file.split(path.sep).includes('opentofu') ? 'opentofu' : 'terraform';
}

/** The canonical bytes of a state with `terraform_version` blanked: equal iff the states are equal. */
function canonical(state: StateFile, flavor: StateFlavor): Buffer {
  return writeState({ ...state, terraform_version: '' }, { flavor, indent: true });
}

function withVersion(bytes: Buffer, version: string): string {
  return bytes.toString('utf8').replace(/"terraform_version": "[^"]*"/, `"terraform_version": ${JSON.stringify(version)}`);
}

function checkPair(inFile: string, outFile: string): string[] {
  const flavor = flavorOf(inFile);
  const read = (b: Buffer) => parseState(b, { flavor })!;
  const input = read(fs.readFileSync(inFile));
  const written = writeState(input, { flavor, indent: true });
  const got = read(written);
  if (got.version !== 4) throw new Error(`written state has format version ${got.version}`);
  const outBytes = fs.readFileSync(outFile);
  const want = read(outBytes);
  if (want.version !== 4) throw new Error(`${path.basename(outFile)} is not format 4`);
  const problems: string[] = [];
  const notes: string[] = [];
  if (got.serial !== want.serial) problems.push(`serial ${got.serial} != ${want.serial}`);
  if (got.lineage !== want.lineage) problems.push(`lineage ${JSON.stringify(got.lineage)} != ${JSON.stringify(want.lineage)}`);
  if (!canonical(got, flavor).equals(canonical(want, flavor))) problems.push('state differs from .out');
  const again = writeState(read(written), { flavor, indent: true });
  if (!again.equals(written)) problems.push('not idempotent: a second write gives other bytes');
  const deterministic = (got.check_results?.length ?? 0) <= 1;
  if (!deterministic) {
    notes.push('bytes not compared (check_results order is a Go map order)');
  } else if (withVersion(writeState(want, { flavor, indent: true }), want.terraform_version) === outBytes.toString('utf8')) {
    if (withVersion(written, want.terraform_version) === outBytes.toString('utf8')) notes.push('bytes equal to .out');
    else problems.push('bytes differ from .out (which is in the writer\'s form)');
  } else {
    notes.push('bytes not compared (.out is not in the writer\'s form)');
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return ['semantic equal', 'idempotent', ...notes];
}

function checkSingle(file: string): string[] {
  const flavor = flavorOf(file);
  const state = parseState(fs.readFileSync(file), { flavor });
  if (!state) throw new Error('empty file');
  const once = writeState(state, { flavor });
  const twice = writeState(parseState(once, { flavor })!, { flavor });
  if (!twice.equals(once)) throw new Error('not idempotent: a second write gives other bytes');
  return ['read and rewritten', 'idempotent'];
}

function main(dirs: string[]): number {
  if (dirs.length === 0) {
    console.error('usage: npm run conformance -- DIR [DIR...]');
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const dir of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      console.log(`FAIL ${dir}: not a directory`);
      failed++;
      continue;
    }
    const files = walk(dir);
    const ins = new Set(files.filter((f) => f.endsWith('.in.tfstate')));
    for (const file of files) {
      const name = path.relative(dir, file);
      let run: () => string[];
      if (file.endsWith('.in.tfstate')) {
        const out = file.slice(0, -'.in.tfstate'.length) + '.out.tfstate';
        if (!files.includes(out)) continue;
        run = () => checkPair(file, out);
      } else if (file.endsWith('.out.tfstate')) {
        if (ins.has(file.slice(0, -'.out.tfstate'.length) + '.in.tfstate')) continue;
        run = () => checkSingle(file);
      } else {
        run = () => checkSingle(file);
      }
      const label = `${path.basename(dir)}/${name.replace(/\.in\.tfstate$/, '')} (${flavorOf(file)})`;
      try {
        console.log(`PASS ${label}: ${run().join(', ')}`);
        passed++;
      } catch (e) {
        console.log(`FAIL ${label}: ${e instanceof Error ? e.message : String(e)}`);
        failed++;
      }
    }
  }
  console.log(`conformance: ${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
