/** Merge-request notes on GitLab (REST v4), through the same REST client as GitHub with GitLab's names. */

import { pathOf, type RestClient } from '../github/rest.ts';
import type { RestService } from '../github/rest-errors.ts';
import type { CommentProvider } from './sticky.ts';

export const GITLAB_SERVICE: RestService = {
  name: 'GitLab',
  codes: {
    auth: 'TESTLOOP_GITLAB_AUTH',
    notFound: 'TESTLOOP_GITLAB_NOT_FOUND',
    invalid: 'TESTLOOP_GITLAB_INVALID',
    rateLimited: 'TESTLOOP_GITLAB_RATE_LIMITED',
    unavailable: 'TESTLOOP_GITLAB_UNAVAILABLE',
  },
  tokenHint: 'set TESTLOOP_GITLAB_TOKEN to a project or personal access token with the api scope',
  notFoundHint:
    'check CI_MERGE_REQUEST_PROJECT_ID (or CI_PROJECT_ID) and CI_MERGE_REQUEST_IID, and that the token can read the project',
  apiVariable: 'CI_API_V4_URL',
  headers: (token) => ({ accept: 'application/json', 'private-token': token }),
};

export interface MergeRequestRef {
  /** The numeric id or the URL-encoded path of the project the merge request belongs to. */
  projectId: string;
  iid: number;
  /** The merge request's web page; a note's link is this plus `#note_<id>`. */
  webUrl?: string;
}

interface Note {
  id: number;
  body?: string;
  system?: boolean;
  created_at?: string;
}

const PERMISSION =
  'give the token in TESTLOOP_GITLAB_TOKEN the api scope and at least the Reporter role in the project';

export function gitlabNotes(
  client: RestClient,
  { projectId, iid, webUrl }: MergeRequestRef,
): CommentProvider {
  const notes = pathOf('projects', projectId, 'merge_requests', iid, 'notes');
  const posted = ({ data }: { data: Note }) => ({
    id: data.id,
    url: webUrl ? `${webUrl}#note_${data.id}` : `note ${data.id} of merge request !${iid}`,
  });
  return {
    async list() {
      const all = await client.paginate<Note>(notes, {
        query: { sort: 'asc', order_by: 'created_at' },
        permission: PERMISSION,
      });
      // System notes ("added 1 commit") are GitLab's own, never ours.
      return all
        .filter((note) => !note.system)
        .map((note) => ({
          id: note.id,
          body: note.body ?? '',
          ...(note.created_at ? { createdAt: note.created_at } : {}),
        }));
    },
    create: async (body) =>
      posted(
        await client.request<Note>('POST', notes, {
          body: { body: withoutQuickActions(body) },
          permission: PERMISSION,
        }),
      ),
    update: async (id, body) =>
      posted(
        await client.request<Note>('PUT', `${notes}${pathOf(id)}`, {
          body: { body: withoutQuickActions(body) },
          permission: PERMISSION,
        }),
      ),
  };
}

/**
 * GitLab runs a note's lines that start with `/` as quick actions (`/approve`, `/merge`, `/close`) with the
 * token's rights. Outside code blocks such a line gets a backslash: markdown shows the same `/`, and GitLab
 * no longer reads a command.
 */
export function withoutQuickActions(body: string): string {
  let fence: string | undefined;
  return body
    .split('\n')
    .map((line) => {
      const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined) {
        if (opener !== undefined) fence = opener;
        else if (line.startsWith('/')) return `\\${line}`;
      } else if (
        opener !== undefined &&
        opener[0] === fence[0] &&
        opener.length >= fence.length &&
        line.trim() === opener
      ) {
        fence = undefined;
      }
      return line;
    })
    .join('\n');
}
