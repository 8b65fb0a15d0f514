#!/usr/bin/env node
import { runCli } from './cli-kit';
import { createDestinationsCli } from './destinations/main';

/*
 * `npm run destinations`: workspaces and their destinations, through the control-plane API (or,
 * for the operator's bootstrap, straight to the registry table). The commands, the two ways in
 * and signing in live in bin/destinations/.
 */

export { destinationFrom } from './destinations/destination-flags';
export { HELP } from './destinations/help';
export { OPTIONS } from './destinations/options';

export const CLI = createDestinationsCli();

if (require.main === module) void runCli(CLI);
