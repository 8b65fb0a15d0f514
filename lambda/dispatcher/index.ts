import { createDispatcherHandler } from './create-handler';
import { readDispatcherEnvironment } from './environment';

// Created once per execution environment: configuration, clients and their credentials are reused.
export const handler = createDispatcherHandler(readDispatcherEnvironment(process.env));
