import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretKey, redactArgv, redactText } from './redaction.js';

const redacted = (...argv: string[]) => redactArgv(argv).join(' ');

test('options naming a secret lose their value, attached or in the next argument', () => {
  assert.equal(redacted('app', '--password=secret', '--token', 's3cr3t'), 'app --password=REDACTED --token REDACTED');
  assert.equal(redacted('app', '--api-key', 'abc', '--apiKey=def', '--client-secret=ghi'), 'app --api-key REDACTED --apiKey=REDACTED --client-secret=REDACTED');
  assert.equal(redacted('app', '--secret', '-x'), 'app --secret REDACTED', 'the value may start with a dash');
  assert.equal(redacted('keytool', '-list', '-storepass', 'changeit', '-keypass', 'k'), 'keytool -list -storepass REDACTED -keypass REDACTED');
  assert.equal(redacted('app', '--db-credentials', 'u:p', '--auth', 'basic'), 'app --db-credentials REDACTED --auth REDACTED');
});

test('key=value anywhere in an argument: env-style, JVM properties, connection strings', () => {
  assert.equal(redacted('env', 'AWS_SECRET_ACCESS_KEY=wJalr', 'DB_PASSWORD=pw', 'PORT=80', 'app'), 'env AWS_SECRET_ACCESS_KEY=REDACTED DB_PASSWORD=REDACTED PORT=80 app');
  assert.equal(redacted('java', '-Djavax.net.ssl.keyStorePassword=changeit', 'Main'), 'java -Djavax.net.ssl.keyStorePassword=REDACTED Main');
  assert.equal(redactText('jdbc:postgresql://db/app?user=app&password=pw&ssl=true'), 'jdbc:postgresql://db/app?user=app&password=REDACTED&ssl=true');
  assert.equal(redactText('--conf=spark.authenticate.secret=abc'), '--conf=spark.authenticate.secret=REDACTED');
  assert.equal(redactText('private_key: "a b c"'), 'private_key: REDACTED');
  assert.equal(redactText('--password=p@ss,w0rd x'), '--password=REDACTED', 'a leading key owns the whole argument');
  assert.equal(redactText('--config={"db":{"password":"x,y","user":"app"}}'), '--config={"db":{"password":REDACTED,"user":"app"}}');
});

test('URL passwords and Authorization headers', () => {
  assert.equal(redactText('postgres://app:pa55@db:5432/app'), 'postgres://app:REDACTED@db:5432/app');
  assert.equal(redactText('--broker=amqp://guest:guest@rabbit/'), '--broker=amqp://guest:REDACTED@rabbit/');
  assert.equal(redactText('https://x-access-token:ghs_abc@github.com/o/r.git'), 'https://x-access-token:REDACTED@github.com/o/r.git');
  assert.equal(redacted('curl', '-H', 'Authorization: Bearer eyJhbGciOi', 'https://api'), 'curl -H Authorization: Bearer REDACTED https://api');
  assert.equal(redactText('Proxy-Authorization: Basic dXNlcjpwdw=='), 'Proxy-Authorization: Basic REDACTED');
  assert.equal(redactText('https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r.git'), 'https://REDACTED@github.com/o/r.git');
  assert.equal(redactText('--header=Bearer eyJhbGciOi'), '--header=Bearer REDACTED');
});

test("well-known programs' short password options, and only theirs", () => {
  assert.equal(redacted('mysql', '-u', 'root', '-psecret', 'shop'), 'mysql -u root -pREDACTED shop');
  assert.equal(redacted('mysql', '-u', 'root', '-p', 'shop'), 'mysql -u root -p shop', '-p alone prompts; shop is the database');
  assert.equal(redacted('redis-cli', '-h', 'cache', '-a', 'pw', 'ping'), 'redis-cli -h cache -a REDACTED ping');
  assert.equal(redacted('/usr/bin/sshpass', '-p', 'pw', 'ssh', 'host'), '/usr/bin/sshpass -p REDACTED ssh host');
  assert.equal(redacted('curl', '-u', 'alice:pw', 'https://api'), 'curl -u alice:REDACTED https://api');
  assert.equal(redacted('nc', '-p', '8080', 'host'), 'nc -p 8080 host', '-p is a port elsewhere');
  assert.equal(redacted('python3', '-psecret'), 'python3 -psecret', 'not a known password option of this program');
});

test('what is not a secret is kept', () => {
  const kept = [
    ['app', '--password-file=/run/secrets/db', '--token-path', '/var/run/token', '--secret-dir', '/etc/secrets'],
    ['app', '--no-auth', 'serve.py'],
    ['java', '-Xmx1G', '-cp', '/opt/lib/*', 'kafka.Kafka', 'server.properties'],
    ['node', '--enable-source-maps', 'dist/server.js', '--port=8080'],
    ['git', 'clone', 'ssh://git@github.com/o/r.git', 'http://example.com:8080/'],
  ];
  for (const argv of kept) assert.deepEqual(redactArgv(argv), argv);
});

test('secret key names', () => {
  for (const key of ['password', 'PASSWD', 'pwd', 'client_secret', 'X-Api-Key', 'access_key', 'privateKey', 'credentials', 'auth', 'AUTH_TOKEN', 'passphrase']) {
    assert.ok(isSecretKey(key), key);
  }
  for (const key of ['port', 'user', 'password_file', 'tokenPath', 'host', 'key']) assert.ok(!isSecretKey(key), key);
});
