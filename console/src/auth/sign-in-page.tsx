import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { type FormEvent, useState } from 'react';
import type { SignInStep } from './cognito';
import { signInErrorMessage } from './cognito';
import { useSession } from './session';

type Pending = Exclude<SignInStep, { kind: 'signedIn' }>;

/**
 * Username and password, then whatever the pool asks: a new password (an invited member's first
 * sign-in), the TOTP set-up (MFA is required in AWS), or the TOTP code.
 */
export function SignInPage() {
  const session = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [answer, setAnswer] = useState('');
  const [pending, setPending] = useState<Pending | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const advance = async (step: Promise<SignInStep>) => {
    setBusy(true);
    setError(undefined);
    try {
      const next = await step;
      setAnswer('');
      if (next.kind === 'signedIn') session.signedInWith(next.tokens);
      else setPending(next);
    } catch (caught) {
      setError(signInErrorMessage(caught));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { cognito } = session;
    if (!pending) return void advance(cognito.signIn(username.trim(), password));
    if (pending.kind === 'newPassword')
      return void advance(cognito.setNewPassword(username.trim(), pending.session, answer));
    if (pending.kind === 'mfa')
      return void advance(cognito.answerMfa(username.trim(), pending.session, answer.trim()));
    return void advance(cognito.finishMfaSetup(username.trim(), pending.session, answer.trim()));
  };

  return (
    <Box padding={{ vertical: 'xxxl', horizontal: 'l' }}>
      <div style={{ maxWidth: 480, margin: '0 auto' }}>
        <form onSubmit={submit}>
          <Form
            header={
              <Header variant="h1" description="Deliver your events into your own AWS account.">
                Sign in
              </Header>
            }
            errorText={error}
            actions={
              <Button variant="primary" formAction="submit" loading={busy}>
                {pending ? 'Continue' : 'Sign in'}
              </Button>
            }
          >
            <Container>
              <SpaceBetween size="m">
                {!pending && (
                  <>
                    <FormField label="Username" description="Your email address">
                      <Input
                        value={username}
                        onChange={({ detail }) => setUsername(detail.value)}
                        autoComplete="username"
                        type="email"
                        ariaRequired
                        autoFocus
                      />
                    </FormField>
                    <FormField label="Password">
                      <Input
                        value={password}
                        onChange={({ detail }) => setPassword(detail.value)}
                        type="password"
                        autoComplete="current-password"
                        ariaRequired
                      />
                    </FormField>
                  </>
                )}
                {pending?.kind === 'newPassword' && (
                  <FormField
                    label="New password"
                    description="Choose your own password: 12 characters or more."
                  >
                    <Input
                      value={answer}
                      onChange={({ detail }) => setAnswer(detail.value)}
                      type="password"
                      autoComplete="new-password"
                      autoFocus
                    />
                  </FormField>
                )}
                {pending?.kind === 'mfaSetup' && (
                  <AuthenticatorCodeField
                    description="Add this key to your authenticator app (TOTP), then enter the code it shows."
                    secret={pending.secret}
                    value={answer}
                    onChange={setAnswer}
                  />
                )}
                {pending?.kind === 'mfa' && (
                  <AuthenticatorCodeField
                    description="The code your authenticator app shows now."
                    value={answer}
                    onChange={setAnswer}
                  />
                )}
              </SpaceBetween>
            </Container>
          </Form>
        </form>
      </div>
    </Box>
  );
}

/** The TOTP code, at set-up (with the key to add, shown once) and at each sign-in. */
function AuthenticatorCodeField(props: {
  description: string;
  /** The key to add to the authenticator app, while setting it up. */
  secret?: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const { description, secret, value, onChange } = props;
  return (
    <FormField
      label="Authenticator code"
      description={description}
      constraintText={secret === undefined ? undefined : <code data-testid="totp-secret">{secret}</code>}
    >
      <Input
        value={value}
        onChange={({ detail }) => onChange(detail.value)}
        inputMode="numeric"
        autoComplete="one-time-code"
        autoFocus
      />
    </FormField>
  );
}
