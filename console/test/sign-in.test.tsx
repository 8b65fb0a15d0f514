import { act, render } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { CognitoSignIn, SignInStep, Tokens } from '../src/auth/cognito';
import { SessionProvider, useSession } from '../src/auth/session';
import { readTokens, writeTokens } from '../src/auth/session-storage';
import { SignInPage } from '../src/auth/sign-in-page';
import { buttonNamed, click, eventually, screen, typeInto } from './support/cloudscape';

const TOKENS: Tokens = { accessToken: 'access', refreshToken: 'refresh', expiresAt: Date.now() + 3_600_000 };

function cognitoFake(overrides: Partial<CognitoSignIn>): CognitoSignIn {
  return {
    signIn: vi.fn(),
    setNewPassword: vi.fn(),
    answerMfa: vi.fn(),
    finishMfaSetup: vi.fn(),
    refresh: vi.fn(),
    signOut: vi.fn(async () => undefined),
    email: vi.fn(async () => undefined),
    ...overrides,
  } as unknown as CognitoSignIn;
}

const signInPage = (cognito: CognitoSignIn) =>
  render(
    <SessionProvider cognito={cognito}>
      <SignInPage />
    </SessionProvider>,
  );

describe('signing in', () => {
  it("walks an invited member's first sign-in: new password, then the authenticator set-up, then in", async () => {
    // Prepare
    const steps: SignInStep[] = [
      { kind: 'newPassword', session: 's1' },
      { kind: 'mfaSetup', session: 's2', secret: 'SECRETBASE32' },
      { kind: 'signedIn', tokens: TOKENS },
    ];
    const cognito = cognitoFake({
      signIn: vi.fn(async () => steps[0]),
      setNewPassword: vi.fn(async () => steps[1]),
      finishMfaSetup: vi.fn(async () => steps[2]),
    });
    signInPage(cognito);

    // Act
    act(() => typeInto('Username', ' new@acme.example '));
    act(() => typeInto('Password', 'temporary-Pa55'));
    act(() => click(buttonNamed('Sign in')));
    await eventually(() => expect(screen().getElement().textContent).toContain('New password'));
    act(() => typeInto('New password', 'my-own-long-Pa55word'));
    act(() => click(buttonNamed('Continue')));
    await eventually(() => expect(screen().getElement().textContent).toContain('SECRETBASE32'));
    act(() => typeInto('Authenticator code', ' 123456 '));
    act(() => click(buttonNamed('Continue')));

    // Assess: each answer went with its session, and only the tokens were kept
    await eventually(() => expect(readTokens()).toEqual(TOKENS));
    expect(cognito.signIn).toHaveBeenCalledWith('new@acme.example', 'temporary-Pa55');
    expect(cognito.setNewPassword).toHaveBeenCalledWith('new@acme.example', 's1', 'my-own-long-Pa55word');
    expect(cognito.finishMfaSetup).toHaveBeenCalledWith('new@acme.example', 's2', '123456');
    expect(Object.keys(window.sessionStorage)).toEqual(['event-delivery.session']);
    expect(window.localStorage.length).toBe(0);
  });

  it('asks for the authenticator code when the pool does, and words a wrong password plainly', async () => {
    // Prepare
    const wrong = Object.assign(new Error('Incorrect username or password.'), {
      name: 'NotAuthorizedException',
    });
    const signIn = vi.fn().mockRejectedValueOnce(wrong).mockResolvedValueOnce({ kind: 'mfa', session: 's' });
    const cognito = cognitoFake({
      signIn,
      answerMfa: vi.fn(async () => ({ kind: 'signedIn', tokens: TOKENS }) as const),
    });
    signInPage(cognito);
    act(() => typeInto('Username', 'a@b.example'));
    act(() => typeInto('Password', 'nope'));

    // Act
    act(() => click(buttonNamed('Sign in')));
    await eventually(() =>
      expect(screen().getElement().textContent).toContain('Incorrect username or password.'),
    );
    act(() => click(buttonNamed('Sign in')));
    await eventually(() => expect(screen().getElement().textContent).toContain('Authenticator code'));
    act(() => typeInto('Authenticator code', '654321'));
    act(() => click(buttonNamed('Continue')));

    // Assess
    await eventually(() => expect(cognito.answerMfa).toHaveBeenCalledWith('a@b.example', 's', '654321'));
  });
});

function TokenProbe({ onToken }: { onToken: (token: Promise<string>) => void }) {
  const session = useSession();
  return (
    <button type="button" onClick={() => onToken(session.accessToken())}>
      ask
    </button>
  );
}

describe('the session', () => {
  const withSession = (cognito: CognitoSignIn) => {
    const asked: Promise<string>[] = [];
    const view = render(
      <SessionProvider cognito={cognito}>
        <TokenProbe onToken={(token) => asked.push(token)} />
      </SessionProvider>,
    );
    const ask = () => act(() => view.getByText('ask').click());
    return { asked, ask };
  };

  it('refreshes a token about to expire once, however many requests notice it at once', async () => {
    // Prepare
    writeTokens({ ...TOKENS, expiresAt: Date.now() + 10_000 });
    const refresh = vi.fn(async () => ({ ...TOKENS, accessToken: 'fresh' }));
    const { asked, ask } = withSession(cognitoFake({ refresh }));

    // Act
    ask();
    ask();
    ask();

    // Assess
    expect(await Promise.all(asked)).toEqual(['fresh', 'fresh', 'fresh']);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith('refresh');
    expect(readTokens()?.accessToken).toBe('fresh');
  });

  it('signs out when the refresh token no longer works, forgetting the tokens', async () => {
    // Prepare
    writeTokens({ ...TOKENS, expiresAt: Date.now() - 1 });
    const { asked, ask } = withSession(
      cognitoFake({ refresh: vi.fn(async () => Promise.reject(new Error('revoked'))) }),
    );

    // Act
    ask();

    // Assess
    await expect(asked[0]).rejects.toThrow('Your session has ended');
    expect(readTokens()).toBeUndefined();
  });
});
