import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  otelNamingVariables,
  parseOtelResourceAttributes,
  serviceNameFromOtelServiceName,
  serviceNameFromResourceAttributes,
} from './otel-environment.js';

test('only the two OTEL naming variables are taken from the environment', () => {
  const environ = ['AWS_SECRET_ACCESS_KEY=hunter2', 'OTEL_SERVICE_NAME=checkout', 'OTEL_RESOURCE_ATTRIBUTES=a=b', 'PATH=/bin'];
  assert.deepEqual(otelNamingVariables(environ), { serviceName: 'checkout', resourceAttributes: 'a=b' });
  assert.equal(serviceNameFromOtelServiceName(' '), undefined);
  assert.equal(serviceNameFromOtelServiceName(undefined), undefined);
});

test('OTEL_RESOURCE_ATTRIBUTES: comma-separated pairs, trimmed, values percent-decoded', () => {
  assert.deepEqual(
    parseOtelResourceAttributes(' service.name = cart%2Dapi , deployment.environment=prod%2Ceu ,'),
    new Map([
      ['service.name', 'cart-api'],
      ['deployment.environment', 'prod,eu'],
    ]),
  );
  assert.equal(serviceNameFromResourceAttributes('team=a,service.name=foo%20bar'), 'foo bar');
  assert.equal(serviceNameFromResourceAttributes('service.version=1'), undefined);
  assert.equal(serviceNameFromResourceAttributes('service.name='), undefined);
});

test('a malformed OTEL_RESOURCE_ATTRIBUTES is discarded whole, as the specification asks', () => {
  assert.equal(parseOtelResourceAttributes('service.name=ok,broken'), undefined);
  assert.equal(parseOtelResourceAttributes('service.name=ok,=x'), undefined);
  assert.equal(serviceNameFromResourceAttributes('service.name=ok,bad=%E0%A4%A'), undefined);
});
