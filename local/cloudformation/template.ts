/** The parts of a synthesized CloudFormation template that the local engine reads. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
  readonly Metadata?: Record<string, unknown>;
}

export interface TemplateOutput {
  readonly Value: unknown;
  readonly Condition?: string;
  readonly Description?: string;
}

export interface Template {
  readonly Resources: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, TemplateOutput>;
  readonly Conditions?: Record<string, unknown>;
  readonly Parameters?: Record<string, { readonly Type: string; readonly Default?: unknown }>;
}

/** The construct path CDK records for a resource (`EventDeliveryPlatform/Ingest/Queue/Resource`), if any. */
export const constructPath = (resource: TemplateResource): string | undefined => {
  const path = resource.Metadata?.['aws:cdk:path'];
  return typeof path === 'string' ? path : undefined;
};

/**
 * The logical ids a value refers to: `Ref`, `Fn::GetAtt` (both forms) and `Fn::Sub` variables
 * (`${X}`, `${X.Attr}`), pseudo parameters and `${!literal}` aside. Names that are not resources
 * (parameters) are returned too; callers keep the ones they know.
 */
export function referencedIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, found);
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const [key, argument] = entries.length === 1 ? entries[0] : [];
    if (key === 'Ref' && typeof argument === 'string') {
      if (!argument.startsWith('AWS::')) found.add(argument);
    } else if (key === 'Fn::GetAtt') {
      const target = typeof argument === 'string' ? argument.split('.')[0] : (argument as unknown[])[0];
      if (typeof target === 'string') found.add(target);
      else referencedIds(argument, found);
    } else if (key === 'Fn::Sub') {
      const [text, variables] =
        typeof argument === 'string' ? [argument, {}] : (argument as [string, object]);
      for (const name of subVariables(text)) {
        const id = name.split('.')[0];
        if (!name.startsWith('AWS::') && !(name in variables)) found.add(id);
      }
      referencedIds(variables, found);
    } else {
      for (const [, nested] of entries) referencedIds(nested, found);
    }
  }
  return found;
}

/** The `${...}` names of a `Fn::Sub` string, `${!literal}` escapes aside. */
export const subVariables = (text: string): string[] =>
  [...text.matchAll(/\$\{([^}]+)\}/g)].map(([, name]) => name.trim()).filter((name) => !name.startsWith('!'));

/** The resources a resource must wait for: what its properties refer to, and its `DependsOn`. */
export function dependenciesOf(template: Template, logicalId: string): string[] {
  const resource = template.Resources[logicalId];
  const ids = referencedIds(resource.Properties ?? {});
  const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
  for (const id of dependsOn) {
    if (!(id in template.Resources)) throw new Error(`${logicalId}: DependsOn names no resource: ${id}`);
    ids.add(id);
  }
  return [...ids].filter((id) => id in template.Resources && id !== logicalId);
}

/**
 * The resources in waves: each wave's resources depend only on earlier waves', so a wave can be
 * created at once. Within a wave, template order. A dependency cycle throws, naming its resources.
 */
export function dependencyWaves(template: Template): string[][] {
  const pending = new Map(Object.keys(template.Resources).map((id) => [id, dependenciesOf(template, id)]));
  const done = new Set<string>();
  const waves: string[][] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, deps]) => deps.every((dep) => done.has(dep))).map(([id]) => id);
    if (ready.length === 0) {
      throw new Error(`dependency cycle among: ${[...pending.keys()].join(', ')}`);
    }
    for (const id of ready) {
      pending.delete(id);
      done.add(id);
    }
    waves.push(ready);
  }
  return waves;
}
