import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryBudget } from '../../src/watch/retry-budget.ts';
import { kvKey } from '../../src/dependency/kv-key.ts';

test('a query gives up after its attempts fail in a row; a success starts the count again', () => {
  const budget = new RetryBudget(3);
  const a = kvKey('a');
  const b = kvKey('b');
  assert.equal(budget.failed(a), false);
  assert.equal(budget.failed(a), false);
  assert.equal(budget.failed(b), false, 'each query has its own count');
  budget.recovered(a);
  assert.equal(budget.failed(a), false);
  assert.equal(budget.failed(a), false);
  assert.equal(budget.failed(a), true, 'the third failure in a row');
});

test('0 attempts: never gives up', () => {
  const budget = new RetryBudget(0);
  const a = kvKey('a');
  for (let i = 0; i < 100; i += 1) assert.equal(budget.failed(a), false);
});
