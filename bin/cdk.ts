#!/usr/bin/env node
/**
 * The CDK app entry (cdk.json: `npx tsx bin/cdk.ts`): one stack per environment,
 * `Listings-dev`, `Listings-preprod`, `Listings-prod`. Deploy-time settings (account, region,
 * alert e-mails) come from `-c listings:<env>:<setting>=...` or LISTINGS_<ENV>_<SETTING>;
 * see docs/deploy.md.
 */
import { createListingsApp } from '../lib/listingsApp.ts';

createListingsApp().app.synth();
