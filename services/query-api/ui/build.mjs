// Bundles the web UI (ui/src, TypeScript + CSS) into dist/ui with esbuild:
// app-HASH.js and app-HASH.css (served as immutable) and an index.html naming
// them. Type-checks first. Prints the bundle's size. Run by the project's
// build (npm run build, scripts/setup.sh) after tsc -b, whose declarations
// the UI's types come from.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const uiDir = import.meta.dirname;
const outDir = join(uiDir, '..', 'dist', 'ui');
const tsc = join(uiDir, '..', '..', '..', 'node_modules', '.bin', 'tsc');

execFileSync(tsc, ['-p', join(uiDir, 'tsconfig.json')], { stdio: 'inherit' });

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const result = await build({
  entryPoints: [join(uiDir, 'src', 'main.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  // The contracts package also exports file paths for the server side; they are never used here and tree-shaken out.
  external: ['node:*'],
  entryNames: 'app-[hash]',
  outdir: outDir,
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const js = outputs.find((name) => name.endsWith('.js'));
const css = outputs.find((name) => name.endsWith('.css'));
if (!js || !css) throw new Error(`the UI build produced ${outputs.join(', ')}: expected one .js and one .css`);
const code = readFileSync(join(outDir, js), 'utf8');
// A Node built-in in the bundle would fail in the browser: a server-only module slipped in.
if (/from\s*"node:|import\("node:/.test(code)) throw new Error(`${js} imports a Node built-in`);
writeFileSync(join(outDir, 'index.html'), readFileSync(join(uiDir, 'index.html'), 'utf8').replace('%JS%', js).replace('%CSS%', css));

for (const name of [js, css, 'index.html']) {
  const body = readFileSync(join(outDir, name));
  console.log(`stallscope ui: ${name} ${(body.length / 1024).toFixed(1)} kB (${(gzipSync(body).length / 1024).toFixed(1)} kB gzip)`);
}
