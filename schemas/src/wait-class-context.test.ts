import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASSIFY_BY_FD, CLASSIFY_BY_OPENED_FD, CLASSIFY_BY_STACK, WAIT_CLASS_CODES } from './loader-records.js';
import { kernelClassifyCode } from './wait-class-context.js';

const classOf = (code: number) => WAIT_CLASS_CODES[code & 0x0f];
const flagsOf = (code: number) => code & ~0x0f;

test('the kernel classes by the fd a call uses, the fd an open returns, or the user stack, over the name\'s default', () => {
  assert.deepEqual([classOf(kernelClassifyCode('read')), flagsOf(kernelClassifyCode('read'))], ['other', CLASSIFY_BY_FD]);
  for (const open of ['open', 'openat', 'openat2']) {
    assert.deepEqual([classOf(kernelClassifyCode(open)), flagsOf(kernelClassifyCode(open))], ['disk', CLASSIFY_BY_OPENED_FD], open);
  }
  assert.deepEqual([classOf(kernelClassifyCode('futex')), flagsOf(kernelClassifyCode('futex'))], ['lock', CLASSIFY_BY_STACK]);
  assert.deepEqual([classOf(kernelClassifyCode('fsync')), flagsOf(kernelClassifyCode('fsync'))], ['disk', 0]);
});
