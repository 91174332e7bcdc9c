#!/usr/bin/env node
// `npx cdk synth --app "npx tsx examples/cdk-app/app.ts"`: the sample app that embeds Fileport.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DocumentsStack } from './documents-stack';

const app = new App();
new DocumentsStack(app, 'Documents', { bucketName: 'acme-documents', tableName: 'acme-documents' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
