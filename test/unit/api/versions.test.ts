// What the API reads from a version string: the image's user, and which side of the 3.1.5 -> 3.1.6
// membership-protocol line a release is on; text that is no 3.1 release reads as neither.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { acrossTheProbeChange, ATOMIX_USER_ID, imageUserOf } from '../../../src/api/versions.js';

describe('the user of the atomix/atomix image', () => {
  for (const [version, user] of [
    ['3.1.11', ATOMIX_USER_ID],
    ['3.1.100', ATOMIX_USER_ID],
    ['3.1.10', 0],
    ['3.1.1', 0],
    ['v3.1.12', 0],
    ['13.1.12', 0],
    ['3x1x12', 0],
    ['3.11.12', 0],
    ['3.1.', 0],
    ['3.1.1a', 0],
    ['', 0],
  ] as const) {
    test(`${JSON.stringify(version)} runs as ${String(user)}`, () => assert.equal(imageUserOf(version), user));
  }
});

describe('across the membership probe change', () => {
  for (const [a, b, across] of [
    ['3.1.5', '3.1.6', true],
    ['3.1.6', '3.1.0', true],
    ['3.1.0', '3.1.5', false],
    ['3.1.6', '3.1.12', false],
    ['latest', '3.1.12', false],
    ['latest', '3.1.0', true],
    ['latest', 'nightly', false],
  ] as const) {
    test(`${a} and ${b}: ${across ? 'across' : 'one side'}`, () => {
      assert.equal(acrossTheProbeChange(a, b), across);
      assert.equal(acrossTheProbeChange(b, a), across);
    });
  }
});
