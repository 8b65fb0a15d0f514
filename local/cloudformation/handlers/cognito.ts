import {
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientRequest,
  CreateUserPoolCommand,
  type CreateUserPoolRequest,
  SetUserPoolMfaConfigCommand,
  type UserPoolMfaType,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  isTrue,
  optionalNumber,
  optionalString,
  physicalName,
  type ResourceHandler,
  stringList,
} from './handler';

/** Template properties that are `CreateUserPool` parameters of the same name and shape. */
const USER_POOL_PARAMETERS = [
  'Policies',
  'DeletionProtection',
  'AutoVerifiedAttributes',
  'AliasAttributes',
  'UsernameAttributes',
  'UsernameConfiguration',
  'SmsVerificationMessage',
  'EmailVerificationMessage',
  'EmailVerificationSubject',
  'VerificationMessageTemplate',
  'SmsAuthenticationMessage',
  'UserAttributeUpdateSettings',
  'DeviceConfiguration',
  'EmailConfiguration',
  'SmsConfiguration',
  'UserPoolTags',
  'AdminCreateUserConfig',
  'Schema',
  'UserPoolAddOns',
  'AccountRecoverySetting',
  'UserPoolTier',
  // Kept as AWS keeps it; moto never runs Cognito's Lambda triggers.
  'LambdaConfig',
] as const;

/**
 * A user pool: `CreateUserPool` with the template's settings, then its MFA as CloudFormation sets
 * it, with `SetUserPoolMfaConfig` (`EnabledMfas` is not a `CreateUserPool` parameter).
 */
export const userPool: ResourceHandler = {
  properties: ['UserPoolName', 'MfaConfiguration', 'EnabledMfas', ...USER_POOL_PARAMETERS],
  async create(properties, context) {
    const PoolName =
      typeof properties.UserPoolName === 'string'
        ? properties.UserPoolName
        : physicalName(context, { maxLength: 128 });
    const parameters: Record<string, unknown> = { PoolName };
    for (const name of USER_POOL_PARAMETERS) {
      if (properties[name] !== undefined) parameters[name] = properties[name];
    }
    const { UserPool } = await context.clients.cognito.send(
      new CreateUserPoolCommand(parameters as unknown as CreateUserPoolRequest),
    );
    const id = UserPool?.Id ?? '';
    const enabled = stringList(properties.EnabledMfas);
    if (properties.MfaConfiguration !== undefined || enabled.length > 0) {
      await context.clients.cognito.send(
        new SetUserPoolMfaConfigCommand({
          UserPoolId: id,
          MfaConfiguration: (optionalString(properties.MfaConfiguration) ?? 'OFF') as UserPoolMfaType,
          SoftwareTokenMfaConfiguration: { Enabled: enabled.includes('SOFTWARE_TOKEN_MFA') },
          ...(enabled.includes('EMAIL_OTP') && { EmailMfaConfiguration: {} }),
          ...(enabled.includes('SMS_MFA') && {
            SmsMfaConfiguration: {
              SmsConfiguration: properties.SmsConfiguration as { SnsCallerArn: string } | undefined,
            },
          }),
        }),
      );
    }
    const provider = `cognito-idp.${context.region}.amazonaws.com/${id}`;
    return {
      ref: id,
      attributes: {
        Arn: UserPool?.Arn,
        UserPoolId: id,
        ProviderName: provider,
        // The issuer of the pool's tokens (`iss`), as moto signs them too.
        ProviderURL: `https://${provider}`,
      },
    };
  },
};

/** Template properties that are `CreateUserPoolClient` parameters of the same name and shape. */
const CLIENT_PARAMETERS = [
  'GenerateSecret',
  'RefreshTokenValidity',
  'AccessTokenValidity',
  'IdTokenValidity',
  'TokenValidityUnits',
  'ReadAttributes',
  'WriteAttributes',
  'ExplicitAuthFlows',
  'SupportedIdentityProviders',
  'CallbackURLs',
  'LogoutURLs',
  'DefaultRedirectURI',
  'AllowedOAuthFlows',
  'AllowedOAuthScopes',
  'AllowedOAuthFlowsUserPoolClient',
  'AnalyticsConfiguration',
  'PreventUserExistenceErrors',
  'EnableTokenRevocation',
  'EnablePropagateAdditionalUserContextData',
  'AuthSessionValidity',
  'RefreshTokenRotation',
] as const;

export const userPoolClient: ResourceHandler = {
  properties: ['UserPoolId', 'ClientName', ...CLIENT_PARAMETERS],
  async create(properties, context) {
    const ClientName =
      typeof properties.ClientName === 'string'
        ? properties.ClientName
        : physicalName(context, { maxLength: 128 });
    const parameters: Record<string, unknown> = { UserPoolId: String(properties.UserPoolId), ClientName };
    for (const name of CLIENT_PARAMETERS) {
      if (properties[name] !== undefined) parameters[name] = properties[name];
    }
    // The template's booleans and numbers may be strings; the API takes typed values.
    for (const name of [
      'GenerateSecret',
      'AllowedOAuthFlowsUserPoolClient',
      'EnableTokenRevocation',
      'EnablePropagateAdditionalUserContextData',
    ]) {
      if (parameters[name] !== undefined) parameters[name] = isTrue(parameters[name]);
    }
    for (const name of [
      'RefreshTokenValidity',
      'AccessTokenValidity',
      'IdTokenValidity',
      'AuthSessionValidity',
    ]) {
      if (parameters[name] !== undefined) parameters[name] = optionalNumber(parameters[name]);
    }
    const { UserPoolClient } = await context.clients.cognito.send(
      new CreateUserPoolClientCommand(parameters as unknown as CreateUserPoolClientRequest),
    );
    const id = UserPoolClient?.ClientId ?? '';
    return {
      ref: id,
      attributes: {
        ClientId: id,
        Name: ClientName,
        ...(UserPoolClient?.ClientSecret && { ClientSecret: UserPoolClient.ClientSecret }),
      },
    };
  },
};

export const userPoolGroup: ResourceHandler = {
  properties: ['UserPoolId', 'GroupName', 'Description', 'Precedence', 'RoleArn'],
  async create(properties, context) {
    const GroupName =
      typeof properties.GroupName === 'string'
        ? properties.GroupName
        : physicalName(context, { maxLength: 128 });
    await context.clients.cognito.send(
      new CreateGroupCommand({
        UserPoolId: String(properties.UserPoolId),
        GroupName,
        Description: optionalString(properties.Description),
        Precedence: optionalNumber(properties.Precedence),
        RoleArn: optionalString(properties.RoleArn),
      }),
    );
    return { ref: GroupName, attributes: {} };
  },
};
