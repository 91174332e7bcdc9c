/**
 * Fileport as a CDK library: `new Fileport(scope, id, props)` in a stack of your own, or the
 * ready-made FileportStack that `bin/fileport.ts` deploys.
 */
export { Fileport, type FileportProps } from './fileport';
export { FileportStack, type FileportStackProps } from './fileport-stack';
export { architectures, type FileportArchitecture, type FileportSettings } from './deployment-settings';
