/**
 * Differences between two Terraform states (format 4, as the state reader gives every format), by
 * resource instance address, for `tfstate diff`.
 */
import { formatInstanceKey } from '../protocol/state';

interface V4Instance {
  readonly index_key?: string | number;
  readonly [k: string]: unknown;
}

interface V4Resource {
  readonly module?: string;
  readonly mode?: string;
  readonly type?: string;
  readonly name?: string;
  readonly instances?: readonly V4Instance[];
}

/** The parts of a state the diff reads. */
export interface DiffableState {
  readonly serial?: number;
  readonly lineage?: string;
  readonly outputs?: Readonly<Record<string, { readonly value?: unknown; readonly sensitive?: boolean }>>;
  readonly resources?: readonly unknown[];
}

/** Result of `diffStates`. */
export interface StateDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
  readonly outputsAdded: string[];
  readonly outputsRemoved: string[];
  readonly outputsChanged: string[];
  readonly serial: { readonly from?: number; readonly to?: number };
  readonly lineage: { readonly from?: string; readonly to?: string; readonly same: boolean };
}

/** Terraform's resource instance addresses (`module.a.aws_s3_bucket.b["k"]`, `data.x.y[0]`) with their JSON. */
export function resourceInstances(state: DiffableState): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of (state.resources ?? []) as V4Resource[]) {
    const base = `${r.module ? r.module + '.' : ''}${r.mode === 'data' ? 'data.' : ''}${r.type}.${r.name}`;
    for (const inst of r.instances ?? []) {
      // A deposed object (create_before_destroy) is its own entry, named as Terraform's plan names it.
      const deposed = typeof inst.deposed === 'string' && inst.deposed !== '' ? ` (deposed object ${inst.deposed})` : '';
      out.set(base + formatInstanceKey(inst.index_key) + deposed, stableJson(inst));
    }
  }
  return out;
}

function stableJson(v: unknown): string {
  // Integers beyond 2^53 are kept exact by the state reader (bigint).
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Resources and outputs added, removed and changed from `a` to `b`, plus the serial jump. */
export function diffStates(a: DiffableState, b: DiffableState): StateDiff {
  const ra = resourceInstances(a);
  const rb = resourceInstances(b);
  const oa = a.outputs ?? {};
  const ob = b.outputs ?? {};
  return {
    added: [...rb.keys()].filter((k) => !ra.has(k)).sort(),
    removed: [...ra.keys()].filter((k) => !rb.has(k)).sort(),
    changed: [...rb.keys()].filter((k) => ra.has(k) && ra.get(k) !== rb.get(k)).sort(),
    outputsAdded: Object.keys(ob).filter((k) => !(k in oa)).sort(),
    outputsRemoved: Object.keys(oa).filter((k) => !(k in ob)).sort(),
    outputsChanged: Object.keys(ob).filter((k) => k in oa && stableJson(oa[k]) !== stableJson(ob[k])).sort(),
    serial: { from: a.serial, to: b.serial },
    lineage: { from: a.lineage, to: b.lineage, same: a.lineage === b.lineage },
  };
}
