/**
 * The OpenTofu state encryption step of `npm run demo` (scripts/demo.ts calls it before "Doctor"): an
 * `encryption {}` block and a `terraform.tfvars` in the demo's -chdir directory give the key, as they
 * do for OpenTofu; then workspace new, push, outputs and history on an encrypted state, the error
 * without the key, and a key rotation finished by `tfstate rekey`. The files are removed afterwards,
 * so the later steps run as before.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** What the demo gives this step. */
export interface EncryptionDemoContext {
  /** Runs `tfstate ARGS` (with the demo's -chdir and local overrides) and prints the command and its output. */
  readonly tfstate: (args: string[], input?: string) => { code: number | null; stdout: string };
  /** Prints a numbered heading. */
  readonly heading: (title: string) => void;
  /** The demo's -chdir directory (holding backend.tf). */
  readonly work: string;
  /** A state file to push. */
  readonly fixture: string;
}

const block = (keyProviders: string, methods: string, state: string) =>
  `terraform {\n  encryption {\n${keyProviders}${methods}    state {\n${state}    }\n  }\n}\n\nvariable "passphrase" {\n  type      = string\n  sensitive = true\n}\n`;
const FIRST = '    key_provider "pbkdf2" "team" {\n      passphrase = var.passphrase\n    }\n';
const NEXT = '    key_provider "pbkdf2" "rotated" {\n      passphrase = "rotated-passphrase-2026-q4"\n    }\n';
const M_FIRST = '    method "aes_gcm" "team" {\n      keys = key_provider.pbkdf2.team\n    }\n';
const M_NEXT = '    method "aes_gcm" "rotated" {\n      keys = key_provider.pbkdf2.rotated\n    }\n';

export async function encryptionDemo(ctx: EncryptionDemoContext): Promise<void> {
  const { tfstate, heading, work } = ctx;
  const encryptionTf = path.join(work, 'encryption.tf');
  const tfvars = path.join(work, 'terraform.tfvars');
  const show = (file: string) => process.stdout.write(`${path.basename(file)}:\n${readFileSync(file, 'utf8').replace(/^/gm, '  ')}\n`);
  try {
    heading('OpenTofu encrypted state: the encryption block of -chdir gives the key');
    writeFileSync(encryptionTf, block(FIRST, M_FIRST, '      method = method.aes_gcm.team\n'));
    writeFileSync(tfvars, 'passphrase = "correct-horse-battery-staple"\n');
    show(encryptionTf);
    show(tfvars);
    tfstate(['workspace', 'new', 'secure']);
    tfstate(['push', ctx.fixture, '-workspace', 'secure']);
    tfstate(['outputs', '-workspace', 'secure']);
    tfstate(['history', '-workspace', 'secure']);

    process.stdout.write('Without the key, reading fails and names the key provider and what to set (nothing is written):\n');
    rmSync(tfvars);
    tfstate(['outputs', '-workspace', 'secure']);
    writeFileSync(tfvars, 'passphrase = "correct-horse-battery-staple"\n');

    heading('Key rotation: a new primary key, the old one as fallback, then rekey every workspace');
    process.stdout.write('The second fallback, "unencrypted", also reads the plain states of the other workspaces: rekey encrypts them.\n');
    writeFileSync(encryptionTf, block(FIRST + NEXT, M_FIRST + M_NEXT + '    method "unencrypted" "migrate" {}\n',
      '      method = method.aes_gcm.rotated\n      fallback {\n        method = method.aes_gcm.team\n        fallback {\n          method = method.unencrypted.migrate\n        }\n      }\n'));
    show(encryptionTf);
    tfstate(['rekey', '-all-workspaces', '-dry-run']);
    tfstate(['rekey', '-all-workspaces']);
    tfstate(['history', '-workspace', 'secure']);
    tfstate(['rekey', '-all-workspaces']);
  } finally {
    rmSync(encryptionTf, { force: true });
    rmSync(tfvars, { force: true });
  }
}
