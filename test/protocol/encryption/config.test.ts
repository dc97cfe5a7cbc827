import { isStateEncryptionError, parseEncryptionConfig, selectConfigFiles } from '../../../src/protocol/encryption';
import { mergeEncryptionConfigs, decodeEncryptionBody } from '../../../src/protocol/encryption/config';
import { methodConfigsFromTarget } from '../../../src/protocol/encryption/targets';

const TF_MAIN = `
terraform {
  backend "s3" {}
  encryption {
    key_provider "pbkdf2" "mykey" {
      passphrase = var.passphrase
      iterations = 200000
    }
    method "aes_gcm" "m" {
      keys = key_provider.pbkdf2.mykey
    }
    state {
      method = method.aes_gcm.m
    }
  }
}
variable "passphrase" {
  type    = string
  default = "from-the-default-value"
}
`;

describe('parseEncryptionConfig: where OpenTofu reads the configuration', () => {
  test('no encryption anywhere gives undefined (states stay plain)', async () => {
    expect(await parseEncryptionConfig({ env: {}, hclFiles: [{ name: 'main.tf', text: 'terraform {\n backend "s3" {}\n}\n' }] })).toBeUndefined();
    expect(await parseEncryptionConfig({ env: { TF_ENCRYPTION: '   ' } })).toBeUndefined();
  });

  test('the encryption block of a .tf file: key providers, methods, state target with references', async () => {
    const c = await parseEncryptionConfig({ hclFiles: [{ name: 'main.tf', text: TF_MAIN }] });
    expect(c?.sources).toEqual(['main.tf']);
    expect(c?.block.keyProviders.map((k) => [k.type, k.name, Object.keys(k.body)])).toEqual([['pbkdf2', 'mykey', ['iterations', 'passphrase']]]);
    expect(c?.block.methods.map((m) => `method.${m.type}.${m.name}`)).toEqual(['method.aes_gcm.m']);
    expect(c?.block.state?.method?.value).toBe('${method.aes_gcm.m}');
    expect(c?.variables).toEqual({ passphrase: 'from-the-default-value' });
  });

  test('TF_ENCRYPTION (HCL) merges over the .tf block: same-named key provider attributes are overridden', async () => {
    const c = await parseEncryptionConfig({
      env: { TF_ENCRYPTION: 'key_provider "pbkdf2" "mykey" {\n passphrase = "from-the-environment"\n}\n' },
      hclFiles: [{ name: 'main.tf', text: TF_MAIN }],
    });
    expect(c?.sources).toEqual(['main.tf', 'TF_ENCRYPTION']);
    const kp = c?.block.keyProviders[0];
    expect(kp?.body.passphrase).toEqual({ value: 'from-the-environment', syntax: 'hcl', source: 'TF_ENCRYPTION' });
    // Attributes not in the override stay (hcl2shim.MergeBodies is shallow, per attribute).
    expect(kp?.body.iterations).toEqual({ value: 200000, syntax: 'hcl', source: 'main.tf' });
  });

  test('TF_ENCRYPTION as JSON (starts with "{"): references as plain strings', async () => {
    const json = JSON.stringify({
      key_provider: { pbkdf2: { k: { passphrase: 'a-json-passphrase-16' } } },
      method: { aes_gcm: { m: { keys: 'key_provider.pbkdf2.k' } } },
      state: { method: 'method.aes_gcm.m', enforced: true },
    });
    const c = await parseEncryptionConfig({ env: { TF_ENCRYPTION: json } });
    expect(c?.block.state).toEqual({ method: { value: 'method.aes_gcm.m', syntax: 'json', source: 'TF_ENCRYPTION' }, enforced: true });
    expect(methodConfigsFromTarget(c!.block, c!.block.state, 'state', true).map((m) => m.name)).toEqual(['m']);
  });

  test('JSON syntax: enforced may be the string "true" (cty conversion); the alias is taken literally', async () => {
    const json = JSON.stringify({
      key_provider: { pbkdf2: { k: { encrypted_metadata_alias: 'lit-${x}', passphrase: 'p'.repeat(16) } } },
      method: { aes_gcm: { m: { keys: 'key_provider.pbkdf2.k' } } },
      state: { method: 'method.aes_gcm.m', enforced: 'true' },
    });
    const c = await parseEncryptionConfig({ env: { TF_ENCRYPTION: json } });
    expect(c?.block.state?.enforced).toBe(true);
    expect(c?.block.keyProviders[0].encryptedMetadataAlias).toBe('lit-${x}');
    const hcl = await parseEncryptionConfig({ env: { TF_ENCRYPTION: 'key_provider "pbkdf2" "k" {\n encrypted_metadata_alias = "a$${b}"\n}\n' } });
    expect(hcl?.block.keyProviders[0].encryptedMetadataAlias).toBe('a${b}');
  });

  test('in JSON syntax a "${...}" method is not a static reference (hcl.AbsTraversalForExpr)', async () => {
    const json = JSON.stringify({ method: { unencrypted: { u: {} } }, state: { method: '${method.unencrypted.u}' } });
    await expect(parseEncryptionConfig({ env: { TF_ENCRYPTION: json } })).rejects.toThrow(/Invalid expression: state\.method: A single static variable reference is required; write "method.<type>.<name>"/);
  });

  test('the client option merges last, as HCL text or as a JSON-shaped object', async () => {
    const c = await parseEncryptionConfig({
      env: { TF_ENCRYPTION: 'method "unencrypted" "u" {}\nstate {\n method = method.unencrypted.u\n}\n' },
      encryption: { method: { aes_gcm: { m: { keys: 'key_provider.pbkdf2.k' } } }, key_provider: { pbkdf2: { k: { passphrase: 'p'.repeat(16) } } }, state: { method: 'method.aes_gcm.m' } },
    });
    expect(c?.sources).toEqual(['TF_ENCRYPTION', 'client option']);
    expect(c?.block.state?.method?.value).toBe('method.aes_gcm.m');
    expect(c?.warnings).toEqual(['Unencrypted method configured: Method unencrypted is present in configuration. This is a security risk and should only be enabled during migrations.']);
  });

  test('a second encryption block in the primary files is an error; an override file merges', async () => {
    const second = { name: 'other.tf', text: 'terraform {\n encryption {\n method "unencrypted" "u" {}\n }\n}\n' };
    await expect(parseEncryptionConfig({ hclFiles: [{ name: 'main.tf', text: TF_MAIN }, second] }))
      .rejects.toThrow('other.tf: Duplicate encryption configuration: A module may have only one encryption configuration. Encryption was previously configured at main.tf.');
    const c = await parseEncryptionConfig({ hclFiles: [{ name: 'main.tf', text: TF_MAIN }, { ...second, name: 'enc_override.tf' }] });
    expect(c?.block.methods.map((m) => m.type)).toEqual(['aes_gcm', 'unencrypted']);
    expect(c?.sources).toEqual(['main.tf', 'enc_override.tf']);
  });

  test('.tf.json files are read in JSON syntax; a .tofu file shadows the .tf of the same name', async () => {
    const tfJson = JSON.stringify({ terraform: { encryption: { method: { unencrypted: { u: {} } }, state: { method: 'method.unencrypted.u' } } } });
    const c = await parseEncryptionConfig({ hclFiles: [{ name: 'main.tf', text: TF_MAIN }, { name: 'main.tofu', text: '' }, { name: 'enc.tf.json', text: tfJson }] });
    expect(c?.sources).toEqual(['enc.tf.json']);
    expect(c?.block.state?.method).toEqual({ value: 'method.unencrypted.u', syntax: 'json', source: 'enc.tf.json' });
  });

  test('selectConfigFiles follows parser_config_dir.go dirFiles', () => {
    expect(selectConfigFiles(['b.tf', 'a.tf', 'a.tofu', 'override.tf', 'x_override.tf.json', '.hidden.tf', 'swap.tf~', '#e.tf#', 'notes.md', 'c.tf.json', 'c.tofu.json', 'test.tftest.hcl']))
      .toEqual({ primary: ['a.tofu', 'b.tf', 'c.tofu.json'], override: ['override.tf', 'x_override.tf.json'] });
  });

  test('variable values: default < TF_VAR_ < terraform.tfvars < *.auto.tfvars < explicit variables', async () => {
    const files = [{ name: 'main.tf', text: TF_MAIN + 'variable "a" { default = "lit$${x}" }\nvariable "b" {}\nvariable "c" {}\n' }];
    const c1 = await parseEncryptionConfig({ hclFiles: files, env: { TF_VAR_passphrase: 'from-env' } });
    expect(c1?.variables).toEqual({ passphrase: 'from-env', a: 'lit${x}' });
    const c2 = await parseEncryptionConfig({
      hclFiles: [...files, { name: 'terraform.tfvars', text: 'passphrase = "from-tfvars"\nb = "tfvars"\n' }, { name: 'x.auto.tfvars.json', text: '{"b":"auto ${raw}","c":"auto"}' }],
      env: { TF_VAR_passphrase: 'from-env' },
      variables: { c: 'explicit' },
    });
    expect(c2?.variables).toEqual({ passphrase: 'from-tfvars', a: 'lit${x}', b: 'auto ${raw}', c: 'explicit' });
  });

  test('TF_VAR_ text is converted to a declared number or bool type', async () => {
    const files = [{ name: 'main.tf', text: 'variable "n" {\n type = number\n}\nvariable "b" {\n type = bool\n}\nvariable "s" {\n type = string\n}\n' }];
    const c = await parseEncryptionConfig({ hclFiles: files, env: { TF_VAR_n: '300000', TF_VAR_b: 'true', TF_VAR_s: '42', TF_ENCRYPTION: 'method "unencrypted" "u" {}' } });
    expect(c?.variables).toEqual({ n: 300000, b: true, s: '42' });
  });

  test('HCL syntax errors name the source and are StateEncryptionErrors', async () => {
    const err = await parseEncryptionConfig({ env: { TF_ENCRYPTION: 'key_provider "pbkdf2" {' } }).catch((e) => e);
    expect(isStateEncryptionError(err, 'ENCRYPTION_CONFIG_INVALID')).toBe(true);
    expect(err.message).toMatch(/^Cannot parse TF_ENCRYPTION as HCL: /);
  });

  test.each([
    ['duplicate key providers', 'key_provider "pbkdf2" "a" {}\nkey_provider "pbkdf2" "a" {}', 'Duplicate key_provider: Found multiple instances of key_provider.pbkdf2.a'],
    ['duplicate methods', 'method "aes_gcm" "a" {}\nmethod "aes_gcm" "a" {}', 'Duplicate method: Found multiple instances of method.aes_gcm.a'],
    ['an unknown block', 'key_store "x" {}', 'Unsupported argument: An argument or block named "key_store" is not expected in the encryption block.'],
    ['a method reference with two parts', 'method "unencrypted" "u" {}\nstate {\n method = method.unencrypted\n}', 'Invalid encryption method identifier: state.method: Expected method of form method.<type>.<name>'],
    ['an undeclared method', 'state {\n method = method.aes_gcm.nope\n}', 'Reference to undeclared encryption method: There is no method "aes_gcm" "nope" block declared in the encryption block.'],
    ['a state block without method', 'state {\n enforced = true\n}', 'state: Invalid expression: the "method" attribute is missing.'],
    ['enforced with an unencrypted fallback', 'method "aes_gcm" "m" {}\nmethod "unencrypted" "u" {}\nstate {\n enforced = true\n method = method.aes_gcm.m\n fallback {\n method = method.unencrypted.u\n }\n}',
      'state: Unencrypted method is forbidden: Unable to use unencrypted method since the enforced flag is set.'],
    ['an undeclared fallback in the plan target', 'method "unencrypted" "u" {}\nplan {\n method = method.unencrypted.u\n fallback {\n method = method.x.y\n }\n}', 'There is no method "x" "y" block declared'],
    ['an invalid name', 'key_provider "pbkdf2" "a.b" {}', 'The provided key provider name is invalid'],
    ['a variable in encrypted_metadata_alias', 'key_provider "pbkdf2" "a" {\n encrypted_metadata_alias = var.alias\n}',
      'Variables not allowed: key_provider.pbkdf2.a.encrypted_metadata_alias: Variables may not be used here; write a literal string.'],
    ['a reference in enforced', 'method "unencrypted" "u" {}\nstate {\n method = method.unencrypted.u\n enforced = var.e\n}', 'Inappropriate value for attribute "enforced" in state: bool required.'],
  ])('refuses %s', async (_label, text, message) => {
    const err = await parseEncryptionConfig({ env: { TF_ENCRYPTION: text } }).catch((e) => e);
    expect(isStateEncryptionError(err, 'ENCRYPTION_CONFIG_INVALID')).toBe(true);
    expect(err.message).toContain(message);
  });
});

describe('mergeEncryptionConfigs (config_merge.go)', () => {
  const decode = (body: unknown, source: string) => decodeEncryptionBody(body, 'json', source);

  test('an override target without method clears the base\'s method (gohcl\'s synthetic null expression is never nil)', async () => {
    const c = mergeEncryptionConfigs(
      decode({ method: { unencrypted: { u: {} } }, state: { method: 'method.unencrypted.u', fallback: { method: 'method.unencrypted.u' } } }, 'main.tf'),
      decode({ state: { enforced: true } }, 'TF_ENCRYPTION'));
    expect(c?.state).toEqual({ fallback: { method: { value: 'method.unencrypted.u', syntax: 'json', source: 'main.tf' } }, enforced: true });
    await expect(parseEncryptionConfig({ hclFiles: [{ name: 'main.tf', text: TF_MAIN }], env: { TF_ENCRYPTION: 'state {\n enforced = true\n}\n' } }))
      .rejects.toThrow(/state: Invalid expression: the "method" attribute is missing\. .* a target block in TF_ENCRYPTION replaces the method/);
  });

  test('enforced is OR-ed; the override\'s method wins, its fallback only when it has one', () => {
    const base = decode({ state: { enforced: true, method: 'method.a.a', fallback: { method: 'method.b.b' } } }, 'base');
    const over = decode({ state: { method: 'method.c.c' } }, 'over');
    expect(mergeEncryptionConfigs(base, over)?.state).toEqual({
      method: { value: 'method.c.c', syntax: 'json', source: 'over' },
      fallback: { method: { value: 'method.b.b', syntax: 'json', source: 'base' } },
      enforced: true,
    });
  });

  test('a same-named key provider keeps the base\'s encrypted_metadata_alias; new ones are appended', () => {
    const base = decode({ key_provider: { pbkdf2: { a: { encrypted_metadata_alias: 'old', passphrase: 'x' } } } }, 'base');
    const over = decode({ key_provider: { pbkdf2: { a: { encrypted_metadata_alias: 'new' }, b: { passphrase: 'y' } } } }, 'over');
    const merged = mergeEncryptionConfigs(base, over);
    expect(merged?.keyProviders.map((k) => [k.name, k.encryptedMetadataAlias, Object.keys(k.body)])).toEqual([['a', 'old', ['passphrase']], ['b', undefined, ['passphrase']]]);
  });

  test('remote_state_data_sources targets merge by name', () => {
    const base = decode({ remote_state_data_sources: { default: { method: 'method.a.a' }, remote_state_data_source: { x: { method: 'method.a.a' } } } }, 'base');
    const over = decode({ remote_state_data_sources: { remote_state_data_source: { x: { fallback: { method: 'method.b.b' } }, y: { method: 'method.c.c' } } } }, 'over');
    const merged = mergeEncryptionConfigs(base, over)?.remote;
    expect(merged?.default?.method?.value).toBe('method.a.a');
    expect(merged?.targets.map((t) => [t.name, t.method?.value, t.fallback?.method?.value])).toEqual([['x', undefined, 'method.b.b'], ['y', 'method.c.c', undefined]]);
  });
});
