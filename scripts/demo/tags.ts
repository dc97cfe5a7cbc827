/**
 * The demo's part for OpenTofu's `state_tags` and `lock_tags` (issue 12 §6): a `-backend-config` file
 * sets both, a state write carries `x-amz-tagging`, and S3's GetObjectTagging shows the tags on the
 * stored object. (The demo locks with DynamoDB only, so no lock file is written here: the lock-file
 * tags are shown by test/client/object-tags.integration.test.ts.)
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetObjectTaggingCommand, type S3Client } from '@aws-sdk/client-s3';

/** What `scripts/demo.ts` passes in. */
export interface TagsDemoContext {
  readonly tfstate: (args: string[], input?: string) => { code: number | null; stdout: string };
  readonly heading: (title: string) => void;
  readonly s3: S3Client;
  readonly bucket: string;
  /** The demo's working directory (the `-chdir` of every command). */
  readonly work: string;
  /** The state key of the demo's backend block. */
  readonly stateKey: string;
}

export async function tagsDemo(ctx: TagsDemoContext): Promise<void> {
  const { tfstate, heading, s3, bucket, work } = ctx;
  heading('OpenTofu state_tags and lock_tags (x-amz-tagging on every state and lock write)');
  const file = path.join(work, 'tags.s3.tfbackend');
  writeFileSync(file, 'state_tags = {\n  team        = "platform"\n  cost-center = "1234"\n}\nlock_tags = {\n  tfstate-lock = "true"\n}\n');
  process.stdout.write(`${file}:\n  state_tags = { team = "platform", cost-center = "1234" }\n  lock_tags  = { tfstate-lock = "true" }\n`);
  tfstate(['workspace', 'new', 'tagged', '-backend-config', file]);
  tfstate(['backend-config', '-backend-config', file]);
  const key = `env:/tagged/${ctx.stateKey}`;
  const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  process.stdout.write(`S3 GetObjectTagging s3://${bucket}/${key}:\n`);
  for (const t of tags.TagSet ?? []) process.stdout.write(`  ${t.Key} = ${t.Value}\n`);
  if (!(tags.TagSet ?? []).some((t) => t.Key === 'team' && t.Value === 'platform')) {
    throw new Error('the state object does not carry the state_tags');
  }
}
