import { parse } from '@cdktf/hcl2json';
import {
  BackendBlockError,
  editBackendConfigFile,
  editS3BackendBlock,
  findS3BackendFile,
} from '../../src/protocol/backend-block-edit';
import { migrateBackendText } from '../../src/protocol/locking-migration';

// A main.tf with the things that hide braces and newlines from a naive scan.
const MAIN_TF = `# Network stack. The backend "s3" { below } is the one to edit.
terraform {
  required_version = ">= 1.10" // not the backend {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  /* An old backend, kept for reference:
  backend "s3" {
    bucket = "old"
  }
  */
  backend "s3" {
    bucket         = "acme-tfstate" # the state bucket
    key            = "network/terraform.tfstate"
    region         = "eu-west-1"
    encrypt        = true
    dynamodb_table = "tf-locks"
    assume_role = {
      role_arn = "arn:aws:iam::111111111111:role/terraform"
    }
  }
}

variable "policy" {
  default = <<-EOT
    {"Statement": [{"Effect": "Allow"}]}
    backend "s3" {
  EOT
}

locals {
  odd = "\${jsonencode({ a = "}" })} and $\${literal} \\"quoted\\" {"
  tpl = "%{ if true }{%{ endif }"
}
`;

async function s3Backend(text: string, file = 'main.tf'): Promise<Record<string, unknown>> {
  const parsed = await parse(file, text);
  const backends = (parsed.terraform as any[]).flatMap((t) => t.backend ?? []);
  expect(backends).toHaveLength(1);
  return backends[0].s3[0];
}

describe('editS3BackendBlock', () => {
  test('phase "both" adds use_lockfile after dynamodb_table, aligned, and changes no other byte', async () => {
    const { text, changed, changes } = migrateBackendText(MAIN_TF, 'both', 'tf', 'main.tf');
    const added = '    use_lockfile   = true\n';
    expect(changed).toBe(true);
    expect(text).toContain('    dynamodb_table = "tf-locks"\n' + added + '    assume_role = {');
    expect(text.replace(added, '')).toBe(MAIN_TF);
    expect(changes).toEqual(['added use_lockfile = true after dynamodb_table (line 21)']);
    expect(await s3Backend(text)).toMatchObject({ bucket: 'acme-tfstate', dynamodb_table: 'tf-locks', use_lockfile: true });
  });

  test('phase "lockfile-only" removes the dynamodb_table line and keeps use_lockfile', async () => {
    const both = migrateBackendText(MAIN_TF, 'both').text;
    const { text, changes } = migrateBackendText(both, 'lockfile-only');
    expect(text).toBe(both.replace('    dynamodb_table = "tf-locks"\n', ''));
    expect(changes).toEqual(['removed dynamodb_table = "tf-locks" (line 21)']);
    const backend = await s3Backend(text);
    expect(backend).not.toHaveProperty('dynamodb_table');
    expect(backend).toMatchObject({ use_lockfile: true, assume_role: { role_arn: 'arn:aws:iam::111111111111:role/terraform' } });
  });

  test('running a phase twice changes nothing the second time', () => {
    const once = migrateBackendText(MAIN_TF, 'both').text;
    expect(migrateBackendText(once, 'both')).toEqual({ text: once, changed: false, changes: [] });
  });

  test('an existing use_lockfile = false becomes true; its trailing comment stays', () => {
    const src = MAIN_TF.replace('    encrypt        = true\n', '    encrypt        = true\n    use_lockfile   = false # not yet\n');
    const { text } = migrateBackendText(src, 'both');
    expect(text).toBe(src.replace('use_lockfile   = false # not yet', 'use_lockfile   = true # not yet'));
  });

  test('an empty single-line block (partial configuration) is opened and gets the attribute', async () => {
    const src = 'terraform {\n  backend "s3" {}\n}\n';
    const { text } = migrateBackendText(src, 'both');
    expect(text).toBe('terraform {\n  backend "s3" {\n    use_lockfile = true\n  }\n}\n');
    expect(await s3Backend(text)).toEqual({ use_lockfile: true });
  });

  test('a single-line block with an attribute is opened with the attribute on its own line', async () => {
    const src = 'terraform {\n  backend "s3" { dynamodb_table = "t" }\n}\n';
    const { text } = migrateBackendText(src, 'both');
    expect(text).toBe('terraform {\n  backend "s3" {\n    dynamodb_table = "t"\n    use_lockfile   = true\n  }\n}\n');
    expect(await s3Backend(text)).toEqual({ dynamodb_table: 't', use_lockfile: true });
  });

  test('the backend may sit in the second of several terraform blocks; tabs and CRLF are kept', async () => {
    const src = 'terraform {\r\n\trequired_version = ">= 1.10"\r\n}\r\n\r\nterraform {\r\n\tbackend "s3" {\r\n\t\tbucket = "b"\r\n\t\tdynamodb_table = "t"\r\n\t}\r\n}\r\n';
    const { text } = migrateBackendText(src, 'both');
    expect(text).toBe(src.replace('\t\tdynamodb_table = "t"\r\n', '\t\tdynamodb_table = "t"\r\n\t\tuse_lockfile   = true\r\n'));
    expect(await s3Backend(text)).toEqual({ bucket: 'b', dynamodb_table: 't', use_lockfile: true });
  });

  test('without dynamodb_table the attribute goes after the last attribute', () => {
    const src = 'terraform {\n  backend "s3" {\n    bucket = "b"\n    key    = "k"\n  }\n}\n';
    expect(editS3BackendBlock(src, { set: [['use_lockfile', 'true']], after: 'dynamodb_table' }).text)
      .toBe('terraform {\n  backend "s3" {\n    bucket = "b"\n    key    = "k"\n    use_lockfile = true\n  }\n}\n');
  });

  test.each([
    ['no backend block', 'terraform {\n  required_version = "1.10"\n}\n', 'NO_BACKEND'],
    ['a backend only inside a comment', '/* terraform {\n backend "s3" {}\n} */\n', 'NO_BACKEND'],
    ['another backend type', 'terraform {\n  backend "local" {}\n}\n', 'NOT_S3'],
    ['a cloud block', 'terraform {\n  cloud {\n    organization = "o"\n  }\n}\n', 'NOT_S3'],
    ['two backend blocks', 'terraform {\n  backend "s3" {}\n}\nterraform {\n  backend "s3" {}\n}\n', 'DUPLICATE_BACKEND'],
    ['an unclosed string', 'terraform {\n  backend "s3" {\n    bucket = "b\n  }\n}\n', 'SYNTAX'],
    ['an unclosed block', 'terraform {\n  backend "s3" {\n', 'SYNTAX'],
    ['an attribute set twice', 'terraform {\n  backend "s3" {\n    use_lockfile = false\n    use_lockfile = false\n  }\n}\n', 'DUPLICATE_ATTRIBUTE'],
    ['a backend block sharing a line with terraform', 'terraform { backend "s3" {} }\n', 'LAYOUT'],
  ])('fails with a named error on %s, leaving the text alone', (_what, src, code) => {
    let error: unknown;
    try {
      migrateBackendText(src, 'both', 'tf', 'main.tf');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackendBlockError);
    expect((error as BackendBlockError).code).toBe(code);
  });
});

describe('findS3BackendFile', () => {
  test('names the one file of a directory that holds the backend block', () => {
    expect(findS3BackendFile([
      { name: 'variables.tf', text: 'variable "x" {}\n' },
      { name: 'versions.tf', text: MAIN_TF },
    ])).toBe('versions.tf');
  });

  test('fails when two files each hold a backend block, naming both', () => {
    const one = 'terraform {\n  backend "s3" {}\n}\n';
    expect(() => findS3BackendFile([{ name: 'a.tf', text: one }, { name: 'b.tf', text: one }])).toThrow(/a\.tf.*b\.tf/);
  });
});

describe('editBackendConfigFile', () => {
  test('edits the top-level attributes of a -backend-config file, with or without a final newline', async () => {
    const src = 'bucket         = "b"\nkey            = "k"\ndynamodb_table = "t"';
    const both = migrateBackendText(src, 'both', 'hcl').text;
    expect(both).toBe(src + '\nuse_lockfile   = true\n');
    const only = migrateBackendText(both, 'lockfile-only', 'hcl').text;
    expect(only).toBe('bucket         = "b"\nkey            = "k"\nuse_lockfile   = true\n');
    expect(await parse('backend.hcl', only)).toEqual({ bucket: 'b', key: 'k', use_lockfile: true });
  });

  test('removing the only attribute then adding one indents from nothing', () => {
    expect(editBackendConfigFile('dynamodb_table = "t"\n', { remove: ['dynamodb_table'], set: [['use_lockfile', 'true']] }).text).toBe('use_lockfile = true\n');
  });
});
