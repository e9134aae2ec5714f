// Runs every benchmark in bench/ (each prints its own figures against an in-run baseline).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

let failed = false;
for (const file of readdirSync('bench').filter((name) => name.endsWith('.mjs')).sort()) {
  console.log(`== bench/${file}`);
  const result = spawnSync(process.execPath, [`bench/${file}`], { stdio: 'inherit' });
  failed ||= result.status !== 0;
}
process.exit(failed ? 1 : 0);
