// A node:test reporter that writes one line per skipped test (its file, name and
// reason), so scripts/run-tests.mjs can fail a CI run in which anything skipped.
export default async function* skippedTests(source) {
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.skip !== undefined) {
      const reason = event.data.skip === true ? '' : `: ${event.data.skip}`;
      yield `${event.data.file ?? '?'} — ${event.data.name}${reason}\n`;
    }
  }
}
