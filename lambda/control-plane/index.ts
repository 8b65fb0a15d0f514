import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createApiHandler } from './create-handler';
import { createServices, defaultClients } from './create-services';
import { readControlPlaneEnvironment } from './environment';
import { routeTable } from './http/router';
import { ROUTES } from './routes';

const environment = readControlPlaneEnvironment(process.env, { needsDispatcher: true });

// Created once per execution environment: configuration, clients and the route table are reused.
export const handler = createApiHandler(
  routeTable(ROUTES),
  createServices(environment, defaultClients()),
  new Logger({ serviceName: 'control-plane' }),
  {
    ...(environment.metricsNamespace && {
      metrics: new Metrics({ namespace: environment.metricsNamespace, serviceName: 'control-plane' }),
    }),
    allowedOrigins: environment.allowedOrigins,
  },
);
