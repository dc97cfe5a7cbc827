import type { App } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The cdk-nag 3 packs every backend must pass, fresh instances per call. */
export const packs = (): Array<[string, NagPack]> => [
  ['AwsSolutions', new AwsSolutionsChecks()],
  ['NIST 800-53 R5', new NIST80053R5Checks()],
  ['HIPAA Security', new HIPAASecurityChecks()],
  ['PCI DSS 3.2.1', new PCIDSS321Checks()],
];

export interface Finding { readonly rule: string; readonly path?: string; readonly severity?: string; readonly description: string }

/** The violations a pack reports on a synthesized app (acknowledged rules excluded), one per resource. */
export function findings(pack: NagPack, app: App): Finding[] {
  return pack.validateScope(app).violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath, severity: v.severity, description: v.description })));
}

export interface Acknowledgement { readonly id: string; readonly reason: string; readonly path: string }

/** Every `Validations.acknowledge` below `root`, with the construct path it sits on. */
export function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((c) => c.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
      id: id.replace(/^annotation::/i, ''), reason, path: c.node.path,
    }))));
}
