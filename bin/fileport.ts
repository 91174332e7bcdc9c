#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FileportStack } from '../lib/fileport-stack';

const app = new App();
new FileportStack(app, 'Fileport', {
  description: 'Fileport: serverless file service (pre-signed S3 URLs, DynamoDB metadata, S3-triggered processing)',
});
// cdk-nag 3 is a policy-validation plugin: any unacknowledged finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
