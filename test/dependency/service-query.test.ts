import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  describeServiceQuery,
  healthStatuses,
  parseServiceQuery,
  ServiceQueryError,
  type ServiceQuery,
  type ServiceQueryOptions,
} from '../../src/dependency/service-query.ts';

describe('parseServiceQuery', () => {
  const table: [string, ServiceQueryOptions, ServiceQuery][] = [
    ['web', {}, { name: 'web', statuses: ['passing'] }],
    ['blue.web', {}, { name: 'web', tag: 'blue', statuses: ['passing'] }],
    ['web@dc1', {}, { name: 'web', dc: 'dc1', statuses: ['passing'] }],
    ['blue.web@dc1', {}, { name: 'web', tag: 'blue', dc: 'dc1', statuses: ['passing'] }],
    ['web|any', {}, { name: 'web', statuses: 'any' }],
    ['web|passing,warning', {}, { name: 'web', statuses: ['passing', 'warning'] }],
    ['web|warning, passing', {}, { name: 'web', statuses: ['passing', 'warning'] }],
    ['web|critical', {}, { name: 'web', statuses: ['critical'] }],
    ['web|maintenance', {}, { name: 'web', statuses: ['maintenance'] }],
    ['web|passing,warning,critical,maintenance', {}, { name: 'web', statuses: 'any' }],
    ['blue.web@dc-2|any', {}, { name: 'web', tag: 'blue', dc: 'dc-2', statuses: 'any' }],
    // The tag ends at the last dot, so tags may hold dots.
    ['v1.2.web', {}, { name: 'web', tag: 'v1.2', statuses: ['passing'] }],
    ['CAS Client Service', {}, { name: 'CAS Client Service', statuses: ['passing'] }],
    ['a/b?c&d=e%f', {}, { name: 'a/b?c&d=e%f', statuses: ['passing'] }],
    // Hash options fill in what the string leaves out.
    ['web', { tag: 'blue', dc: 'dc1', filter: 'any' }, { name: 'web', tag: 'blue', dc: 'dc1', statuses: 'any' }],
    ['web@dc1', { dc: 'dc1' }, { name: 'web', dc: 'dc1', statuses: ['passing'] }],
    // With tag= the string is the whole name; tag="" means "no tag" for a dotted name.
    ['my.service', { tag: 'blue' }, { name: 'my.service', tag: 'blue', statuses: ['passing'] }],
    ['my.service', { tag: '' }, { name: 'my.service', statuses: ['passing'] }],
  ];
  for (const [text, options, expected] of table) {
    test(`${JSON.stringify(text)} ${JSON.stringify(options)}`, () => {
      assert.deepEqual(parseServiceQuery(text, options), expected);
    });
  }

  const errors: [string, ServiceQueryOptions, RegExp][] = [
    ['', {}, /empty service name/],
    ['blue.', {}, /empty service name/],
    ['.web', {}, /empty tag/],
    ['web@', {}, /empty dc/],
    ['web|', {}, /empty filter/],
    ['web|healthy', {}, /unknown status "healthy"/],
    ['web|passing,', {}, /unknown status ""/],
    ['web@dc 1', {}, /datacenter "dc 1" may only contain/],
    ['we@b@dc1', {}, /cannot contain "\|" or "@"/],
    ['web@dc1', { dc: 'dc2' }, /dc given twice: "dc1" in the query and dc="dc2"/],
    ['web|any', { filter: 'passing' }, /filter given twice/],
    ['we\nb', {}, /control character/],
    ['web\uD800', {}, /broken Unicode/],
  ];
  for (const [text, options, message] of errors) {
    test(`rejects ${JSON.stringify(text)} ${JSON.stringify(options)}`, () => {
      assert.throws(
        () => parseServiceQuery(text, options),
        (error: unknown) => {
          assert.ok(error instanceof ServiceQueryError);
          assert.match(error.message, message);
          assert.ok(error.message.startsWith(`service query ${JSON.stringify(text)}: `));
          assert.doesNotMatch(error.message, /\n/);
          return true;
        },
      );
    });
  }

  test('never throws anything but a one-line ServiceQueryError', () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 40 });
    const option = fc.option(anyText, { nil: undefined });
    fc.assert(
      fc.property(anyText, option, option, option, (text, tag, dc, filter) => {
        try {
          const query = parseServiceQuery(text, { tag, dc, filter });
          assert.ok(query.name.length > 0);
        } catch (error) {
          assert.ok(error instanceof ServiceQueryError, String(error));
          assert.doesNotMatch(error.message, /[\n\r]/);
        }
      }),
    );
  });

  const simplePart = fc.stringMatching(/^[A-Za-z0-9 _:/-]{1,12}$/);
  const queries: fc.Arbitrary<ServiceQuery> = fc.record(
    {
      name: simplePart,
      tag: simplePart,
      dc: fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/),
      statuses: fc.oneof(
        fc.constant('any' as const),
        fc.subarray([...healthStatuses], { minLength: 1, maxLength: 3 }),
      ),
    },
    { requiredKeys: ['name', 'statuses'] },
  );

  test('reads back what describeServiceQuery writes (names without . @ | ")', () => {
    fc.assert(
      fc.property(queries, (query) => {
        assert.deepEqual(parseServiceQuery(describeServiceQuery(query)), { ...query });
      }),
    );
  });

  test('describes different queries differently, even with dots in names and tags', () => {
    const tricky = fc.stringMatching(/^[a.@|"]{1,4}$/);
    const query = fc.record(
      { name: tricky, tag: tricky, statuses: fc.constant(['passing'] as const) },
      { requiredKeys: ['name', 'statuses'] },
    );
    fc.assert(
      fc.property(query, query, (a, b) => {
        const same = a.name === b.name && a.tag === b.tag;
        assert.equal(describeServiceQuery(a) === describeServiceQuery(b), same);
      }),
    );
  });
});
