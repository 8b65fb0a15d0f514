// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the ${…} here are Fn::Sub's, CloudFormation's, not JavaScript's
import { evaluateCondition, resolve, type Scope } from '../../local/cloudformation/intrinsics';

/** A scope over two created resources, a parameter and one condition of each outcome. */
function scope(conditions: Record<string, unknown> = {}): Scope {
  const created: Record<string, { ref: string; attributes: Record<string, unknown> }> = {
    Queue: {
      ref: 'https://queue.local/123456789012/ingest',
      attributes: { Arn: 'arn:aws:sqs:us-east-1:123456789012:ingest', QueueName: 'ingest' },
    },
    Key: { ref: 'key-1', attributes: { Arn: 'arn:aws:kms:us-east-1:123456789012:key/key-1' } },
  };
  const find = (id: string) => {
    const resource = created[id];
    if (!resource) throw new Error(`no resource ${id}`);
    return resource;
  };
  return {
    pseudoParameters: {
      'AWS::AccountId': '123456789012',
      'AWS::Region': 'us-east-1',
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    },
    parameters: { Stage: 'local' },
    conditions,
    ref: (id) => find(id).ref,
    getAtt: (id, attribute) => find(id).attributes[attribute],
  };
}

describe('resolve', () => {
  it('gives Ref the created resource, the parameter or the pseudo parameter', () => {
    // Prepare
    const value = [{ Ref: 'Queue' }, { Ref: 'Stage' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Partition' }];

    // Act
    const resolved = resolve(value, scope());

    // Assess
    expect(resolved).toEqual(['https://queue.local/123456789012/ingest', 'local', '123456789012', 'aws']);
  });

  it('gives Fn::GetAtt the attribute, in the list and the dotted form', () => {
    // Prepare
    const value = { list: { 'Fn::GetAtt': ['Queue', 'Arn'] }, dotted: { 'Fn::GetAtt': 'Key.Arn' } };

    // Act
    const resolved = resolve(value, scope());

    // Assess
    expect(resolved).toEqual({
      list: 'arn:aws:sqs:us-east-1:123456789012:ingest',
      dotted: 'arn:aws:kms:us-east-1:123456789012:key/key-1',
    });
  });

  it('joins, selects and splits resolved values', () => {
    // Prepare
    const join = { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Queue', 'Arn'] }, '/*']] };
    const select = { 'Fn::Select': [1, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] }] };

    // Act
    const resolved = resolve({ join, select }, scope());

    // Assess
    expect(resolved).toEqual({ join: 'arn:aws:sqs:us-east-1:123456789012:ingest/*', select: 'aws' });
  });

  it('substitutes ${X}, ${X.Attr}, pseudo parameters and given variables, and keeps ${!literal}', () => {
    // Prepare
    const text = {
      'Fn::Sub': '${Queue.QueueName} in ${AWS::Region} (${Stage}, ${!NotAVariable}) key ${Key}',
    };
    const withVariables = {
      'Fn::Sub': ['${Name}.${AWS::URLSuffix}', { Name: { 'Fn::GetAtt': ['Queue', 'QueueName'] } }],
    };

    // Act
    const resolved = resolve([text, withVariables], scope());

    // Assess
    expect(resolved).toEqual([
      'ingest in us-east-1 (local, ${NotAVariable}) key key-1',
      'ingest.amazonaws.com',
    ]);
  });

  it('picks the Fn::If branch from the template conditions', () => {
    // Prepare
    const conditions = {
      IsLocal: { 'Fn::Equals': [{ Ref: 'Stage' }, 'local'] },
      IsProduction: { 'Fn::Not': [{ Condition: 'IsLocal' }] },
      LocalInUsEast1: {
        'Fn::And': [{ Condition: 'IsLocal' }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }],
      },
      Either: { 'Fn::Or': [{ Condition: 'IsProduction' }, { Condition: 'LocalInUsEast1' }] },
    };
    const value = {
      local: { 'Fn::If': ['IsLocal', 'yes', 'no'] },
      production: { 'Fn::If': ['IsProduction', 'yes', 'no'] },
      either: { 'Fn::If': ['Either', { Ref: 'Key' }, 'no'] },
    };

    // Act
    const resolved = resolve(value, scope(conditions));

    // Assess
    expect(resolved).toEqual({ local: 'yes', production: 'no', either: 'key-1' });
  });

  it('removes what AWS::NoValue stands for, in objects and lists', () => {
    // Prepare
    const conditions = { Never: { 'Fn::Equals': ['a', 'b'] } };
    const value = {
      kept: 1,
      dropped: { Ref: 'AWS::NoValue' },
      list: ['a', { 'Fn::If': ['Never', 'b', { Ref: 'AWS::NoValue' }] }, 'c'],
    };

    // Act
    const resolved = resolve(value, scope(conditions));

    // Assess
    expect(resolved).toEqual({ kept: 1, list: ['a', 'c'] });
  });

  it('fails naming what it cannot resolve', () => {
    // Prepare
    const unknownResource = { Ref: 'Missing' };
    const imported = { 'Fn::ImportValue': 'SharedQueueArn' };
    const outOfRange = { 'Fn::Select': [3, ['a']] };

    // Act
    const attempts = [unknownResource, imported, outOfRange].map((value) => () => resolve(value, scope()));

    // Assess
    expect(attempts[0]).toThrow('no resource Missing');
    expect(attempts[1]).toThrow('Fn::ImportValue is not supported locally');
    expect(attempts[2]).toThrow('Fn::Select: no item 3 in ["a"]');
  });
});

describe('evaluateCondition', () => {
  it('treats template strings as CloudFormation does: "true" equals true', () => {
    // Prepare
    const conditions = { Fifo: { 'Fn::Equals': [true, 'true'] } };

    // Act
    const fifo = evaluateCondition('Fifo', scope(conditions));

    // Assess
    expect(fifo).toBe(true);
  });

  it('fails on a condition the template does not have', () => {
    // Act
    const attempt = () => evaluateCondition('Nowhere', scope());

    // Assess
    expect(attempt).toThrow('unknown condition Nowhere');
  });
});
