// Prints the migrations as the store applies them to a ClickHouse cluster
// (store.cluster set), for review or to apply by hand (build first: npx tsc -b):
//   node services/store/scripts/render-cluster-migrations.mjs <cluster> [database]
import { readMigrations, renderMigrationsForCluster } from '../dist/index.js';

const [cluster, database = 'default'] = process.argv.slice(2);
if (!cluster) {
  console.error('usage: render-cluster-migrations.mjs <cluster> [database]');
  process.exit(2);
}
for (const migration of renderMigrationsForCluster(readMigrations(), { cluster, database })) {
  console.log(`-- ${String(migration.version).padStart(4, '0')} ${migration.name}`);
  for (const statement of migration.statements) console.log(`${statement};\n`);
}
