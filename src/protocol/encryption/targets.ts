import type { EncryptionBlockConfig, MethodConfig, TargetConfig } from './config';
import { StateEncryptionError } from './errors';
import { parseTraversal, templateTraversal } from './expressions';
import type { RawAttribute } from './expressions';

/**
 * targets.go `methodConfigsFromTarget`: the method of a target (`state`, ...) followed by the methods
 * of its `fallback` chain, in order. The first encrypts; all are tried, in order, to decrypt.
 */

/** The `unencrypted` method type (method/unencrypted `IsConfig`). */
export const UNENCRYPTED_METHOD = 'unencrypted';

function invalid(source: string, summary: string, detail: string): StateEncryptionError {
  return new StateEncryptionError('ENCRYPTION_CONFIG_INVALID', `${source}: ${summary}: ${detail}`);
}

/**
 * `hcl.AbsTraversalForExpr` of a `method` attribute. Native HCL gives a bare reference (which hcl2json
 * writes as `"${method.t.n}"`); HCL's JSON syntax gives the reference as a plain string.
 */
function methodTraversal(attr: RawAttribute): readonly string[] | undefined {
  if (typeof attr.value !== 'string') return undefined;
  return attr.syntax === 'json' ? parseTraversal(attr.value) : templateTraversal(attr.value);
}

/** The method chain of a target; `name` is the target's name in messages (`state`). */
export function methodConfigsFromTarget(
  cfg: EncryptionBlockConfig, target: TargetConfig | undefined, name: string, enforced: boolean,
): MethodConfig[] {
  const methods: MethodConfig[] = [];
  let where = name;
  for (let t = target; t !== undefined; t = t.fallback, where += '.fallback') {
    const attr = t.method;
    if (attr === undefined) {
      throw new StateEncryptionError('ENCRYPTION_CONFIG_INVALID',
        `${where}: Invalid expression: the "method" attribute is missing. Set method = method.<type>.<name> in the ${where.replace(/\./g, ' ')} block `
        + '(in the terraform { encryption { ... } } block or TF_ENCRYPTION). As in OpenTofu, a target block in TF_ENCRYPTION replaces the '
        + 'method of the same block in the .tf files even when it sets none: repeat the method there.');
    }
    const traversal = methodTraversal(attr);
    if (traversal === undefined) {
      const form = attr.syntax === 'json' ? '"method.<type>.<name>"' : 'method.<type>.<name> (a reference, not a quoted string)';
      throw invalid(attr.source, 'Invalid expression', `${where}.method: A single static variable reference is required; write ${form}.`);
    }
    if (traversal.length !== 3 || traversal[0] !== 'method') {
      throw invalid(attr.source, 'Invalid encryption method identifier', `${where}.method: Expected method of form method.<type>.<name>`);
    }
    const [, type, mName] = traversal;
    const found = cfg.methods.find((m) => m.type === type && m.name === mName);
    if (found === undefined) {
      throw invalid(attr.source, 'Reference to undeclared encryption method', `There is no method "${type}" "${mName}" block declared in the encryption block.`);
    }
    methods.push(found);
  }
  if (enforced && methods.some((m) => m.type === UNENCRYPTED_METHOD)) {
    throw new StateEncryptionError('ENCRYPTION_CONFIG_INVALID',
      `${name}: Unencrypted method is forbidden: Unable to use unencrypted method since the enforced flag is set. `
      + `Remove the "unencrypted" method from the ${name} block and its fallbacks, or set enforced = false.`);
  }
  return methods;
}
