/** What intrinsic functions resolve against. */
export interface Scope {
  /** `AWS::AccountId`, `AWS::Region`, … by name. */
  readonly pseudoParameters: Readonly<Record<string, string>>;
  /** The template's parameters, already given their values. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The template's `Conditions`, unevaluated. */
  readonly conditions: Readonly<Record<string, unknown>>;
  /** A created resource's `Ref` value; throws when there is none. */
  ref(logicalId: string): string;
  /** A created resource's attribute; throws when there is none. */
  getAtt(logicalId: string, attribute: string): unknown;
}

/** `Ref: AWS::NoValue`: the property (or list item) is removed. */
const NO_VALUE = Symbol('AWS::NoValue');

/** Resolves every intrinsic function in `value`; `AWS::NoValue` removes what it stands for. */
export function resolve(value: unknown, scope: Scope): unknown {
  const resolved = resolveValue(value, scope);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolveValue(value: unknown, scope: Scope): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolveValue(item, scope)).filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    return intrinsic(entries[0][0], entries[0][1], scope);
  }
  const result: Record<string, unknown> = {};
  for (const [key, nested] of entries) {
    const resolved = resolveValue(nested, scope);
    if (resolved !== NO_VALUE) result[key] = resolved;
  }
  return result;
}

function intrinsic(name: string, argument: unknown, scope: Scope): unknown {
  const args = () => resolveValue(argument, scope) as unknown[];
  switch (name) {
    case 'Ref':
      return reference(String(argument), scope);
    case 'Fn::GetAtt': {
      const [id, attribute] =
        typeof argument === 'string' ? splitOnce(argument, '.') : (args() as [string, string]);
      return scope.getAtt(id, attribute);
    }
    case 'Fn::Join': {
      const [delimiter, items] = args() as [string, unknown[]];
      return items.map(String).join(delimiter);
    }
    case 'Fn::Select': {
      const [index, items] = args() as [number | string, unknown[]];
      const item = items[Number(index)];
      if (item === undefined) throw new Error(`Fn::Select: no item ${index} in ${JSON.stringify(items)}`);
      return item;
    }
    case 'Fn::Split': {
      const [delimiter, text] = args() as [string, string];
      return text.split(delimiter);
    }
    case 'Fn::Sub':
      return substitute(argument, scope);
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
      return resolveValue(evaluateCondition(condition, scope) ? whenTrue : whenFalse, scope);
    }
    case 'Fn::Base64':
      return Buffer.from(String(resolveValue(argument, scope))).toString('base64');
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((zone) => `${scope.pseudoParameters['AWS::Region']}${zone}`);
    case 'Fn::Equals':
    case 'Fn::And':
    case 'Fn::Or':
    case 'Fn::Not':
      return conditionFunction(name, argument, scope);
    default:
      // Fn::ImportValue among them: the local platform applies each stack on its own.
      throw new Error(`${name} is not supported locally`);
  }
}

function reference(name: string, scope: Scope): unknown {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (name.startsWith('AWS::')) {
    const value = scope.pseudoParameters[name];
    if (value === undefined) throw new Error(`unknown pseudo parameter ${name}`);
    return value;
  }
  if (name in scope.parameters) return scope.parameters[name];
  return scope.ref(name);
}

/** `Fn::Sub`, both forms: `"text ${X} ${X.Attr} ${AWS::Region} ${!literal}"` and `[text, { var: value }]`. */
function substitute(argument: unknown, scope: Scope): string {
  const [text, variables] =
    typeof argument === 'string' ? [argument, {}] : (argument as [string, Record<string, unknown>]);
  const values = resolveValue(variables, scope) as Record<string, unknown>;
  const variable = (name: string): string => {
    if (name in values) return String(values[name]);
    if (name.includes('.') && !name.startsWith('AWS::')) {
      const [id, attribute] = splitOnce(name, '.');
      return String(scope.getAtt(id, attribute));
    }
    return String(reference(name, scope));
  };
  return text.replace(/\$\{([^}]+)\}/g, (_, raw: string) => {
    const name = raw.trim();
    return name.startsWith('!') ? `\${${name.slice(1)}}` : variable(name);
  });
}

/** A named condition of the template, evaluated. */
export function evaluateCondition(name: string, scope: Scope): boolean {
  if (!(name in scope.conditions)) throw new Error(`unknown condition ${name}`);
  return Boolean(conditionValue(scope.conditions[name], scope));
}

function conditionValue(expression: unknown, scope: Scope): unknown {
  if (expression !== null && typeof expression === 'object' && 'Condition' in expression) {
    return evaluateCondition(String(expression.Condition), scope);
  }
  return resolveValue(expression, scope);
}

function conditionFunction(name: string, argument: unknown, scope: Scope): boolean {
  const operands = argument as unknown[];
  switch (name) {
    case 'Fn::Equals': {
      // Template values are strings to CloudFormation: "true" equals true.
      const [left, right] = operands.map((operand) => {
        const value = resolveValue(operand, scope);
        return typeof value === 'object' ? JSON.stringify(value) : String(value);
      });
      return left === right;
    }
    case 'Fn::And':
      return operands.every((operand) => Boolean(conditionValue(operand, scope)));
    case 'Fn::Or':
      return operands.some((operand) => Boolean(conditionValue(operand, scope)));
    default:
      return !conditionValue(operands[0], scope);
  }
}

const splitOnce = (text: string, separator: string): [string, string] => {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
};
