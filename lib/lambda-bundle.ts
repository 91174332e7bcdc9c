/**
 * What esbuild writes in place of `process.env.FILEPORT_TRACING`: with a constant there, the
 * minifier drops the tracer's branch, and its `require`, from a bundle built without tracing.
 */
export function tracingDefine(tracing: boolean): Record<string, string> {
  return { 'process.env.FILEPORT_TRACING': JSON.stringify(tracing ? 'on' : 'off') };
}

/**
 * How every Fileport Lambda is bundled, in esbuild's own terms and free of CDK imports.
 * `FileportFunction` hands these to CDK's esbuild bundling, and `npm run bench` (lambda weight)
 * builds with them too, so the sizes and load times the bench reports are those of what deploys.
 */
export const lambdaBundle = {
  platform: 'node',
  // The runtime is nodejs22.x (lib/fileport-function.ts).
  target: 'node22',
  format: 'cjs',
  minify: true,
  // Deployed with NODE_OPTIONS=--enable-source-maps, so stack traces in the logs point at the sources.
  sourcemap: true,
  // The map names each frame's file, line and column, which is all a stack trace needs; the sources'
  // text was 80% of every asset and Node parses it at every cold start (npm run bench: lambda-weight).
  sourcesContent: false,
  // Tracing off: the tracer is left out of the bundle (lambdas/observability/tracing.ts).
  define: tracingDefine(false),
} as const;

/**
 * Packages with binaries beside their JavaScript: sharp's native addon, and PDFium's WebAssembly
 * (@hyzyla/pdfium reads pdfium.wasm from its own folder). esbuild must never inline one: it would
 * bundle the JavaScript and silently drop the binary, and the function would crash on load. A
 * function that needs one gets it installed (`nativeModules` of FileportFunction); for every other
 * function it stays an external `require`, which the bundling test catches.
 */
export const nativePackages: readonly string[] = ['sharp', '@hyzyla/pdfium'];
