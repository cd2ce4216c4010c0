import { describe, expect, it } from 'vitest';
import { withoutQuickActions } from '../../../src/integrations/comment/gitlab.ts';
import { repositoryOf } from '../../../src/integrations/comment/target.ts';

describe('withoutQuickActions', () => {
  it('escapes a leading slash outside code blocks and leaves code alone', () => {
    const body = [
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
    ].join('\n');
    expect(withoutQuickActions(body).split('\n')).toEqual([
      '\\/merge',
      'text with /close inside',
      '```ts',
      '/approve in code',
      '```',
      '````',
      '```',
      '/label ~x still code',
      '````',
      '\\/close',
    ]);
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
