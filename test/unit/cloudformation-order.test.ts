// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the ${…} here are Fn::Sub's, CloudFormation's, not JavaScript's
import { dependenciesOf, dependencyWaves, type Template } from '../../local/cloudformation/template';

describe('dependenciesOf', () => {
  it('follows Ref, Fn::GetAtt, Fn::Sub variables and DependsOn, not parameters or pseudo parameters', () => {
    // Prepare
    const template: Template = {
      Parameters: { Stage: { Type: 'String', Default: 'local' } },
      Resources: {
        Key: { Type: 'AWS::KMS::Key' },
        DeadLetters: { Type: 'AWS::SQS::Queue' },
        Role: { Type: 'AWS::IAM::Role' },
        Topic: { Type: 'AWS::SNS::Topic' },
        Queue: {
          Type: 'AWS::SQS::Queue',
          DependsOn: 'Topic',
          Properties: {
            KmsMasterKeyId: { 'Fn::GetAtt': 'Key.Arn' },
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] } },
            QueueName: { 'Fn::Sub': '${Stage}-${AWS::Region}-${Role}-${!Queue}' },
            Tags: [{ Key: 'named', Value: { 'Fn::Sub': ['${X}', { X: { Ref: 'Role' } }] } }],
          },
        },
      },
    };

    // Act
    const dependencies = dependenciesOf(template, 'Queue');

    // Assess
    expect(dependencies.sort()).toEqual(['DeadLetters', 'Key', 'Role', 'Topic']);
  });

  it('fails on a DependsOn naming no resource', () => {
    // Prepare
    const template: Template = { Resources: { Queue: { Type: 'AWS::SQS::Queue', DependsOn: ['Gone'] } } };

    // Act
    const attempt = () => dependenciesOf(template, 'Queue');

    // Assess
    expect(attempt).toThrow('Queue: DependsOn names no resource: Gone');
  });
});

describe('dependencyWaves', () => {
  it('puts each resource after everything it refers to, in template order within a wave', () => {
    // Prepare
    const template: Template = {
      Resources: {
        Subscription: {
          Type: 'AWS::SNS::Subscription',
          DependsOn: 'QueuePolicy',
          Properties: { TopicArn: { Ref: 'Topic' }, Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
        },
        QueuePolicy: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: [{ Ref: 'Queue' }] } },
        Queue: { Type: 'AWS::SQS::Queue', Properties: { KmsMasterKeyId: { Ref: 'Key' } } },
        Topic: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'Key' } } },
        Key: { Type: 'AWS::KMS::Key' },
      },
    };

    // Act
    const waves = dependencyWaves(template);

    // Assess
    expect(waves).toEqual([['Key'], ['Queue', 'Topic'], ['QueuePolicy'], ['Subscription']]);
  });

  it('fails on a dependency cycle, naming the resources in it', () => {
    // Prepare
    const template: Template = {
      Resources: {
        Key: { Type: 'AWS::KMS::Key' },
        Role: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ Ref: 'Policy' }] } },
        Policy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }] } },
      },
    };

    // Act
    const attempt = () => dependencyWaves(template);

    // Assess
    expect(attempt).toThrow('dependency cycle among: Role, Policy');
  });
});
