import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { assemble, DocExample, exampleFiles, fencedBlocks, readmeExamples, ROOT, run, tsdocExamples, typeCheck } from './docs-examples';
import { S3_BACKEND_ATTRIBUTES, validateConfig } from '../../src/protocol/config';

/*
 * A documented example is a tested example: every TypeScript block of README.md, every TSDoc @example of
 * the construct (API.md is generated from them) and every file of examples/ is type-checked and, unless it
 * needs a live backend (runtime-client examples), run and synthesized; every HCL block is parsed with the
 * real HCL parser and its backend "s3" attributes checked against Terraform's schema and validation.
 */

const examples: DocExample[] = [...readmeExamples(), ...tsdocExamples(), ...exampleFiles()];
const assembled = examples.map((e, i) => ({
  ...e,
  text: assemble(e),
  fileName: e.fixture === 'file' ? e.source : path.join('test', 'construct', `__doc_example_${i}.ts`),
}));

describe('documented TypeScript examples', () => {
  let diagnostics: Map<string, string[]>;
  beforeAll(() => {
    diagnostics = typeCheck(assembled);
  });

  test('the README, the TSDoc and examples/ all have examples (the extraction finds them)', () => {
    expect(readmeExamples().length).toBeGreaterThanOrEqual(10);
    expect(tsdocExamples().length).toBeGreaterThanOrEqual(5);
    expect(exampleFiles().length).toBeGreaterThanOrEqual(1);
  });

  test.each(assembled.map((e) => [e.source, e.fixture, e] as const))('%s (%s) type-checks', (_source, _fixture, example) => {
    expect(diagnostics.get(example.source)).toEqual([]);
  });

  test.each(assembled.filter((e) => e.fixture !== 'client').map((e) => [e.source, e] as const))('%s runs and synthesizes', (_source, example) => {
    const synth = jest.spyOn(App.prototype, 'synth');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the example's imports, through jest's module registry
      run(example.text, example.fileName, (id) => require(id));
      expect(synth).toHaveBeenCalled();
      for (const result of synth.mock.results) {
        expect(result.type).toBe('return');
        expect((result.value as { stacks: unknown[] }).stacks.length).toBeGreaterThan(0);
      }
    } finally {
      synth.mockRestore();
    }
  });
});

/** Realistic values for the README's `<placeholders>`, so that Terraform's validation sees real shapes. */
const PLACEHOLDERS: Record<string, string> = {
  bucket: 'tfstate-example',
  region: 'eu-west-1',
  kms_key_id: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-44cd-86ef-1234567890ab',
  dynamodb_table: 'tfstate-locks',
  role_arn: 'arn:aws:iam::111111111111:role/payments-plan',
};

function fillPlaceholders(attrs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k,
    typeof v === 'string' && /<[^>]+>/.test(v) ? PLACEHOLDERS[k] ?? v.replace(/<[^>]+>/g, 'x')
      : v && typeof v === 'object' && !Array.isArray(v) ? fillPlaceholders(v as Record<string, unknown>) : v]));
}

describe('documented HCL examples', () => {
  const blocks = fencedBlocks(path.join(ROOT, 'README.md'), 'hcl');

  test('the README has HCL examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  test.each(blocks.map((b) => [`README.md:${b.line}`, b] as const))('%s parses and its backend "s3" block is valid for Terraform', async (_source, block) => {
    expect(await backendBlockProblems(block.code)).toEqual([]);
  });

  test('the check refuses the assume_role block form Terraform refuses, and attributes Terraform does not know', async () => {
    const blockForm = 'terraform {\n  backend "s3" {\n    bucket = "b"\n    key = "k"\n    region = "eu-west-1"\n    assume_role {\n      role_arn = "arn:aws:iam::111111111111:role/r"\n    }\n  }\n}\n';
    expect(await backendBlockProblems(blockForm)).toEqual(['"assume_role" is written as a block; Terraform wants the attribute form: assume_role = { ... }']);
    const unknown = 'terraform {\n  backend "s3" {\n    bucket = "b"\n    key = "k"\n    region = "eu-west-1"\n    lock_table = "t"\n  }\n}\n';
    expect(await backendBlockProblems(unknown)).toEqual(['"lock_table" is not an attribute of the s3 backend']);
  });
});

/** What is wrong with the `backend "s3"` block of an HCL text, by Terraform's schema and validation (placeholders filled in). */
async function backendBlockProblems(code: string): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest cannot run the package's dynamic import without VM modules
  const { parse } = require('@cdktf/hcl2json') as typeof import('@cdktf/hcl2json');
  const parsed = await parse('example.tf', code);
  const backends = (parsed.terraform ?? []).flatMap((t: any) => t.backend?.s3 ?? []);
  if (backends.length !== 1) return [`expected one backend "s3" block, found ${backends.length}`];
  const attrs: Record<string, unknown> = backends[0];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(attrs)) {
    if (!S3_BACKEND_ATTRIBUTES.includes(name)) problems.push(`"${name}" is not an attribute of the s3 backend`);
    // hcl2json gives a nested block (`assume_role { ... }`) as a list; Terraform's S3 backend declares these
    // as object attributes and refuses the block form ("Unsupported block type").
    else if (Array.isArray(value)) problems.push(`"${name}" is written as a block; Terraform wants the attribute form: ${name} = { ... }`);
  }
  if (problems.length > 0) return problems;
  const { diagnostics } = validateConfig(fillPlaceholders(attrs), {});
  return diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.attribute ?? '(body)'}: ${d.summary}: ${d.detail}`);
}
