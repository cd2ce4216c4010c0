import { describe, expect, it } from 'vitest';
import { withoutQuickActions } from '../../../src/integrations/comment/gitlab.ts';
import { repositoryOf } from '../../../src/integrations/comment/target.ts';

describe('withoutQuickActions', () => {
  it('escapes a leading slash outside code blocks and leaves code alone', () => {
    const lines = [
      '/merge',
      'text with /close inside',
      '```ts',
      '/approve in code',
      '```',
      '````',
      '```',
      '/label ~x still code',
      '````',
      '/close',
    ];
    const expected = lines.map((line, i) => (i === 0 || i === 9 ? `\\${line}` : line));
    expect(withoutQuickActions(lines.join('\n')).split('\n')).toEqual(expected);
  });
});

describe('repositoryOf', () => {
  it.each([
    ['git@github.com:octo-org/widgets.git', 'github.com'],
    ['https://github.com/octo-org/widgets.git', 'github.com'],
    ['https://github.com/octo-org/widgets', 'github.com'],
    ['ssh://git@github.example.com:2222/octo-org/widgets.git', 'github.example.com'],
  ])('%s', (url, host) => {
    expect(repositoryOf(url)).toEqual({ host, owner: 'octo-org', repo: 'widgets' });
  });
});
