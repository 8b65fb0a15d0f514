import '@cloudscape-design/global-styles/index.css';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { CognitoSignIn } from './auth/cognito';
import { SessionProvider } from './auth/session';
import { loadConfig } from './config';

const root = createRoot(document.getElementById('root') as HTMLElement);

loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <SessionProvider cognito={new CognitoSignIn(config)}>
          <App config={config} />
        </SessionProvider>
      </StrictMode>,
    ),
  (error: Error) =>
    root.render(
      <Box padding="xl">
        <Alert type="error" header="This console is not configured">
          {error.message}
        </Alert>
      </Box>,
    ),
);
