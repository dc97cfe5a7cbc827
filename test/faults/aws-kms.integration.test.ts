import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { isEncryptedStateError, StateClient } from '../../src/client';
import { newBackend, stateWith, TestBackend } from '../client/support';

/**
 * The aws_kms key provider through the real AWS SDK (@aws-sdk/client-kms, JSON protocol) against a fake
 * KMS: no local KMS server exists, so a small in-process HTTP stand-in answers GenerateDataKey and
 * Decrypt (and refuses on demand, for the fault path). The state bucket is the local RGW.
 * OpenTofu's provider (internal/encryption/keyprovider/aws_kms/provider.go Provide) asks GenerateDataKey
 * with KeySpec and the configured context on encryption, and Decrypt with the stored context on decryption.
 */
interface KmsCall { target: string; body: Record<string, any>; authorization: string }

class FakeKms {
  public static async start(): Promise<FakeKms> {
    let fake: FakeKms | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeKms(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  public readonly calls: KmsCall[] = [];
  public refuse?: string;
  private readonly keys = new Map<string, Buffer>();
  private constructor(private readonly server: Server, public readonly url: string) {}

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '').replace('TrentService.', '');
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    this.calls.push({ target, body, authorization: String(req.headers.authorization ?? '') });
    const send = (status: number, doc: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(doc));
    };
    if (this.refuse) return send(400, { __type: 'AccessDeniedException', message: this.refuse });
    if (target === 'GenerateDataKey') {
      const key = randomBytes(body.KeySpec === 'AES_128' ? 16 : 32);
      const blob = randomBytes(24);
      this.keys.set(blob.toString('base64') + JSON.stringify(body.EncryptionContext ?? {}), key);
      return send(200, { KeyId: body.KeyId, Plaintext: key.toString('base64'), CiphertextBlob: blob.toString('base64') });
    }
    if (target === 'Decrypt') {
      const key = this.keys.get(body.CiphertextBlob + JSON.stringify(body.EncryptionContext ?? {}));
      if (!key) return send(400, { __type: 'InvalidCiphertextException', message: 'wrong blob or context' });
      return send(200, { KeyId: body.KeyId, Plaintext: key.toString('base64') });
    }
    return send(400, { __type: 'UnknownOperationException', message: target });
  }

  public close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('aws_kms key provider on the AWS SDK (fake KMS endpoint)', () => {
  let be: TestBackend;
  let kms: FakeKms;
  const clients: StateClient[] = [];
  const config = () => `key_provider "aws_kms" "k" {
  kms_key_id = "alias/tofu-state"
  key_spec = "AES_256"
  region = "eu-central-1"
  access_key = "AKIDKMSEXAMPLE"
  secret_key = "kms-secret"
  encryption_context = { app = "demo" }
  endpoints {
    kms = "${kms.url}"
  }
}
method "aes_gcm" "m" {
  keys = key_provider.aws_kms.k
}
state {
  method = method.aes_gcm.m
}
`;
  beforeAll(async () => {
    be = await newBackend('lockfile', { versioned: true });
    kms = await FakeKms.start();
  });
  // Each test sees only its own KMS calls, in any order.
  beforeEach(() => {
    kms.calls.length = 0;
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await kms.close();
    await be.destroy();
  });

  test('write: GenerateDataKey with key, spec and context, signed with the block\'s keys in its region; read: Decrypt with the stored context', async () => {
    const c = be.client({ encryption: config() }, { key: 'kms/terraform.tfstate' });
    clients.push(c);
    await c.writeState(Buffer.from(stateWith('K', 1, 'kms-secret-value')));
    expect(kms.calls.map((x) => x.target)).toEqual(['GenerateDataKey']);
    expect(kms.calls[0].body).toEqual({ KeyId: 'alias/tofu-state', KeySpec: 'AES_256', EncryptionContext: { app: 'demo' } });
    expect(kms.calls[0].authorization).toContain('Credential=AKIDKMSEXAMPLE/');
    expect(kms.calls[0].authorization).toContain('/eu-central-1/kms/aws4_request');
    const stored = (await be.rawGet('kms/terraform.tfstate'))!.body.toString();
    expect(stored).not.toContain('kms-secret-value');
    const reader = be.client({ encryption: config() }, { key: 'kms/terraform.tfstate' });
    clients.push(reader);
    expect((await reader.readOutputs()).out.value).toBe('kms-secret-value');
    expect(kms.calls[1].target).toBe('Decrypt');
    expect(kms.calls[1].body).toMatchObject({ KeyId: 'alias/tofu-state', EncryptionContext: { app: 'demo' } });
  });

  test('a KMS refusal is an error naming the key provider and the SDK error; nothing is written', async () => {
    const key = 'kms-denied/terraform.tfstate';
    const c = be.client({ encryption: config() }, { key });
    clients.push(c);
    await c.writeState(Buffer.from(stateWith('D', 1)));
    const versions = (await c.listStateVersions()).map((v) => v.versionId);
    kms.refuse = 'User is not authorized to perform: kms:Decrypt';
    try {
      const other = be.client({ encryption: config() }, { key });
      clients.push(other);
      const e = await other.pushState(Buffer.from(stateWith('D', 1, 'changed'))).catch((x) => x);
      expect(isEncryptedStateError(e)).toBe(true);
      expect(e.message).toContain('key_provider.aws_kms.k');
      expect(e.message).toContain('not authorized to perform: kms:Decrypt');
      expect((await c.listStateVersions()).map((v) => v.versionId)).toEqual(versions);
    } finally {
      kms.refuse = undefined;
    }
  });
});
