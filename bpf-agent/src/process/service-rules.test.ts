import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadServiceRules, matchServiceRules, parseServiceRules, ServiceRulesError, type ServiceRuleSubject } from './service-rules.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../src/process/fixtures/${name}`, import.meta.url));
const subject = (overrides: Partial<ServiceRuleSubject>): ServiceRuleSubject => ({
  exePath: undefined,
  commandLine: undefined,
  cgroup: undefined,
  containerId: undefined,
  comm: undefined,
  ...overrides,
});

test('a rules file: all conditions must hold, the first matching rule wins, $n takes cmdline groups', () => {
  const rules = loadServiceRules(fixture('service-rules.yaml'));
  assert.deepEqual(
    matchServiceRules(rules, subject({ exePath: '/usr/lib/jvm/bin/java', commandLine: 'java -jar /srv/gift-cards/app.jar' })),
    { serviceName: 'shop-gift-cards', attributes: { team: 'payments' } },
  );
  assert.equal(matchServiceRules(rules, subject({ exePath: '/usr/bin/node', commandLine: 'node -jar /srv/x/' })), undefined, 'exe glob without / matches the file name');
  assert.equal(matchServiceRules(rules, subject({ comm: 'envoy', cgroup: '0::/kubepods/pod1/abc' }))?.serviceName, 'mesh-proxy');
  assert.equal(matchServiceRules(rules, subject({ comm: 'envoy', cgroup: '0::/system.slice' })), undefined);
  assert.equal(matchServiceRules(rules, subject({ exePath: '/opt/acme/v2/bin/image-worker' }))?.serviceName, 'worker', '** crosses directories');
  assert.equal(matchServiceRules(rules, subject({ exePath: '/usr/bin/image-worker' })), undefined);
  assert.deepEqual(loadServiceRules(''), [], 'no file configured: no rules');
});

test('exe may be a regular expression between slashes; container matches the container id', () => {
  const rules = parseServiceRules("- match: { exe: '/^/usr/s?bin/(nginx|httpd)$/', container: '^abc' }\n  service: edge\n", 'r.yaml');
  assert.equal(matchServiceRules(rules, subject({ exePath: '/usr/sbin/nginx', containerId: 'abcdef' }))?.serviceName, 'edge');
  assert.equal(matchServiceRules(rules, subject({ exePath: '/usr/sbin/nginx', containerId: undefined })), undefined);
});

test('an invalid rules file fails with the file, the rule and what is wrong', () => {
  const fails = (text: string, message: RegExp) => assert.throws(() => parseServiceRules(text, 'rules.yaml'), (error: unknown) => {
    assert.ok(error instanceof ServiceRulesError);
    assert.match(error.message, message);
    return true;
  });
  assert.throws(() => loadServiceRules(fixture('service-rules-unknown-key.yaml')), /service-rules-unknown-key\.yaml: rule 2 \(service "broken"\): unknown key "match\.executable"/);
  fails('- match: { exe: java }\n  service: a\n  name: b\n', /rules\.yaml: rule 1 \(service "a"\): unknown key "name"/);
  fails('match: {}\n', /rules\.yaml: must hold a list of rules/);
  fails('- match: { cmdline: "(" }\n  service: a\n', /rule 1 .*match\.cmdline is not a valid regular expression/);
  fails('- match: {}\n  service: a\n', /rule 1 .*must name at least one of exe, cmdline, cgroup, container, comm/);
  fails('- match: { comm: x }\n', /rule 1: `service` must be a non-empty string/);
  fails('- match: { comm: x }\n  service: svc-$1\n', /"\$1" in "svc-\$1" refers to no capture group of match.cmdline \(it has 0\)/);
  fails('- match: { comm: x }\n  service: a\n  attributes: { service.name: b }\n', /attribute "service.name" is set by the agent/);
  fails('- match: { comm: x }\n  service: a\n  attributes: { tier: 1 }\n', /attribute "tier" must be a string/);
  fails('- [unclosed\n', /rules\.yaml: not valid YAML/);
  assert.throws(() => loadServiceRules('/nonexistent/rules.yaml'), /service rules file \/nonexistent\/rules\.yaml: cannot be read/);
});
