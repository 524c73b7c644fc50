import { reviewCommentJson, reviewJson } from './conversation-objects.js';
import type { FakeReview, FakeReviewComment, ReviewState } from './conversation-state.js';
import type { Reply } from './http.js';
import { locateLine, pullFiles } from './pr-diff.js';
import { asJson, type Route, refreshHead, str, withItem } from './route-kit.js';
import { conversationOf } from './state.js';

// Pull request reviews with inline comments, review comments and replies to them.

/** GitHub's `validation_failed_simple` body (reviews answer 422 with plain-string errors). */
function unprocessable(errors: string[]): Reply {
  return {
    status: 422,
    body: {
      message: 'Unprocessable Entity',
      errors,
      documentation_url: 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request',
      status: '422',
    },
  };
}

const EVENT_STATE: Readonly<Record<string, ReviewState>> = {
  APPROVE: 'APPROVED',
  REQUEST_CHANGES: 'CHANGES_REQUESTED',
  COMMENT: 'COMMENTED',
};

export const REVIEW_ROUTES: readonly Route[] = [
  {
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    method: 'get',
    handle: (c) =>
      withItem(c, 'pull_number', (repo, item) => {
        const reviews = item.pull === undefined ? [] : conversationOf(item.pull).reviews;
        // A pending review is visible only to its author.
        const visible = reviews.filter((review) => review.state !== 'PENDING' || review.author === c.login);
        return { status: 200, list: visible.map((review) => reviewJson(c.base, repo, item, review)) };
      }),
  },
  {
    // `event` omitted → PENDING. REQUEST_CHANGES/COMMENT need a body; the PR's author cannot approve or
    // request changes on it; one pending review per user; each inline comment must sit on a diff line
    // (`line` + `side`, default RIGHT, or the deprecated `position`), else 422 and nothing is created.
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    method: 'post',
    handle: (c) =>
      withItem(c, 'pull_number', async (repo, item) => {
        const pull = item.pull;
        if (pull === undefined) return unprocessable(['Not a pull request']);
        await refreshHead(repo, item);
        const body = asJson(c.body);
        const event = str(body.event);
        const text = str(body.body) ?? '';
        const conversation = conversationOf(pull);
        if ((event === 'REQUEST_CHANGES' || event === 'COMMENT') && text === '')
          return unprocessable([
            `Review Can not ${event === 'COMMENT' ? 'comment' : 'request changes'} on a pull request without a body`,
          ]);
        if (item.author === c.login && event === 'APPROVE')
          return unprocessable(['Review Can not approve your own pull request']);
        if (item.author === c.login && event === 'REQUEST_CHANGES')
          return unprocessable(['Review Can not request changes on your own pull request']);
        if (
          event === undefined &&
          conversation.reviews.some((review) => review.state === 'PENDING' && review.author === c.login)
        )
          return unprocessable(['User can only have one pending review per pull request']);
        const files = await pullFiles(repo, pull);
        const now = c.state.now();
        const review: FakeReview = {
          id: c.state.newId(),
          author: c.login,
          body: text,
          state: event === undefined ? 'PENDING' : (EVENT_STATE[event] ?? 'COMMENTED'),
          commitId: str(body.commit_id) ?? pull.headSha,
          submittedAt: event === undefined ? null : now,
        };
        const comments: FakeReviewComment[] = [];
        for (const raw of Array.isArray(body.comments) ? body.comments : []) {
          const input = asJson(raw);
          const path = String(input.path);
          const patch = files.get(path);
          if (patch === undefined) return unprocessable(['Path could not be resolved']);
          let side: 'LEFT' | 'RIGHT' = input.side === 'LEFT' ? 'LEFT' : 'RIGHT';
          let place: ReturnType<typeof locateLine>;
          let line: number;
          if (typeof input.line === 'number') {
            line = input.line;
            place = locateLine(patch, line, side);
          } else if (typeof input.position === 'number') {
            const hit = positionToLine(patch, input.position);
            line = hit?.line ?? 0;
            side = hit?.side ?? side;
            place = hit === undefined ? undefined : locateLine(patch, hit.line, hit.side);
          } else {
            return unprocessable(['Line could not be resolved']);
          }
          if (place === undefined) return unprocessable(['Line could not be resolved']);
          comments.push({
            id: c.state.newId(),
            reviewId: review.id,
            author: c.login,
            body: String(input.body),
            path,
            line,
            side,
            position: place.position,
            diffHunk: place.diffHunk,
            commitId: review.commitId,
            createdAt: now,
            updatedAt: now,
          });
        }
        conversation.reviews.push(review);
        conversation.comments.push(...comments);
        item.updatedAt = now;
        return { status: 200, body: reviewJson(c.base, repo, item, review) };
      }),
  },
  {
    // Comments of submitted reviews (a pending review's only for its author), oldest first by default.
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
    method: 'get',
    handle: (c) =>
      withItem(c, 'pull_number', (repo, item) => {
        const conversation = item.pull === undefined ? undefined : conversationOf(item.pull);
        const pending = new Set(
          (conversation?.reviews ?? [])
            .filter((review) => review.state === 'PENDING' && review.author !== c.login)
            .map((review) => review.id),
        );
        const comments = (conversation?.comments ?? []).filter(
          (comment) =>
            !pending.has(comment.reviewId) &&
            (c.query.since === undefined || comment.updatedAt >= c.query.since),
        );
        if (c.query.direction === 'desc') comments.reverse();
        return {
          status: 200,
          list: comments.map((comment) => reviewCommentJson(c.base, repo, item, comment)),
        };
      }),
  },
  {
    // A reply joins the thread of `comment_id` (a reply to a reply joins the same thread) and, as on GitHub,
    // comes with its own COMMENTED review.
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies',
    method: 'post',
    handle: (c) =>
      withItem(c, 'pull_number', (repo, item) => {
        const conversation = item.pull === undefined ? undefined : conversationOf(item.pull);
        const target = conversation?.comments.find((comment) => String(comment.id) === c.params.comment_id);
        if (conversation === undefined || target === undefined)
          return {
            status: 404,
            body: {
              message: 'Not Found',
              documentation_url:
                'https://docs.github.com/rest/pulls/comments#create-a-reply-for-a-review-comment',
              status: '404',
            },
          };
        const now = c.state.now();
        const review: FakeReview = {
          id: c.state.newId(),
          author: c.login,
          body: '',
          state: 'COMMENTED',
          commitId: target.commitId,
          submittedAt: now,
        };
        const reply: FakeReviewComment = {
          ...target,
          id: c.state.newId(),
          reviewId: review.id,
          author: c.login,
          body: String(asJson(c.body).body),
          inReplyTo: target.inReplyTo ?? target.id,
          createdAt: now,
          updatedAt: now,
        };
        conversation.reviews.push(review);
        conversation.comments.push(reply);
        item.updatedAt = now;
        const json = reviewCommentJson(c.base, repo, item, reply);
        return { status: 201, body: json, headers: { Location: String(json.url) } };
      }),
  },
];

/** The file line a deprecated diff `position` points at (undefined on a hunk header or past the end). */
function positionToLine(
  patch: string,
  position: number,
): { line: number; side: 'LEFT' | 'RIGHT' } | undefined {
  const lines = patch.split('\n');
  let oldLine = 0;
  let newLine = 0;
  for (let index = 0; index < lines.length; index += 1) {
    const text = lines[index] ?? '';
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (header !== null) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      continue;
    }
    if (index === position)
      return text.startsWith('-') ? { line: oldLine, side: 'LEFT' } : { line: newLine, side: 'RIGHT' };
    if (text.startsWith('-') || text.startsWith(' ')) oldLine += 1;
    if (text.startsWith('+') || text.startsWith(' ')) newLine += 1;
  }
  return undefined;
}
