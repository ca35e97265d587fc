// `npm run build`, after tsc has emitted dist/: replaces dist/main.js by one bundle of drcon and
// its dependencies. Started as separate files, Node resolved, read and compiled about 600 modules
// (undici and execa are a hundred each) before drcon did anything. Each command's own code and
// what only some runs need (execa, the status server, prom-client, the converter) stay in chunks
// loaded when asked for, so `drcon --version` or a render without commands skips them. The files
// tsc emitted stay: dist/ still holds every module by its own name.
import { build, type Plugin } from 'esbuild';

// Handlebars writes a template's code with source-map's SourceNode when it can load the library,
// and with a plain string of its own when not; drcon asks for no source map of a template, so the
// library (ten modules) is left out.
const withoutSourceMap: Plugin = {
  name: 'without-source-map',
  setup(build) {
    build.onResolve({ filter: /^source-map$/ }, () => ({ path: 'source-map', namespace: 'left-out' }));
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({ contents: '', loader: 'js' }));
  },
};

await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  logLevel: 'warning',
  // Only help layout measures text widths: see the module.
  alias: { 'string-width': './src/cli/help-text-width.ts' },
  // Bundled CommonJS dependencies (handlebars, yargs's parser...) call require() for Node's own
  // modules, which an ES module does not have.
  plugins: [withoutSourceMap],
  banner: { js: "import { createRequire as bundleRequire } from 'node:module'; const require = bundleRequire(import.meta.url);" },
});
