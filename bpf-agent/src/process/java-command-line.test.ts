import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { jarServiceName, javaServiceName } from './java-command-line.js';

const kafkaBrokerArgv = JSON.parse(
  readFileSync(new URL('../../../src/process/fixtures/kafka-broker.argv.json', import.meta.url), 'utf8'),
) as string[];

test("a Kafka broker's command line names its main class", () => {
  assert.equal(javaServiceName(kafkaBrokerArgv), 'kafka.Kafka');
});

test('JVM options and their values are skipped', () => {
  assert.equal(javaServiceName(['java', '-classpath', 'a.jar:b.jar', '-Dx=y', '-Xss1m', 'com.shop.Main', 'arg']), 'com.shop.Main');
  assert.equal(javaServiceName(['java', '--class-path', 'lib/*', '--add-opens', 'java.base/java.lang=ALL-UNNAMED', 'Main']), 'Main');
  assert.equal(javaServiceName(['java', '--add-exports=java.base/sun.nio.ch=ALL-UNNAMED', '@jvm.options', 'app.Server']), 'app.Server');
  assert.equal(javaServiceName(['java', '-javaagent:/otel/agent.jar', '-ea', '-verbose:gc', 'app.Server']), 'app.Server');
});

test('-jar names the jar without its version, -m the main class or module, a source file its class', () => {
  assert.equal(javaServiceName(['java', '-Xmx2g', '-jar', '/srv/app/orders-0.0.1-SNAPSHOT.jar', '--server.port=8080']), 'orders');
  assert.equal(javaServiceName(['java', '-p', 'mods', '-m', 'com.shop/com.shop.Main']), 'com.shop.Main');
  assert.equal(javaServiceName(['java', '--module=com.shop']), 'com.shop');
  assert.equal(javaServiceName(['java', '--source', '21', 'Hello.java']), 'Hello');
  assert.equal(jarServiceName('app-all.jar'), 'app-all', 'no version, nothing stripped');
  assert.equal(jarServiceName('kafka_2.13-3.8.0.jar'), 'kafka_2.13');
});

test('a JVM command line that names no program gives none', () => {
  assert.equal(javaServiceName(['java', '-version']), undefined);
  assert.equal(javaServiceName(['java', '-jar']), undefined);
});
