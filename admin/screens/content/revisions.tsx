// A post's revisions (GET …/revisions: each with its full Markdown): pick one to see what
// differs from the text in the editor (line by line, computed here with `diff`), and
// restore it as a new revision (the API keeps the history and the slug).
import { diffLines } from 'diff'
import { useEffect, useState } from 'preact/hooks'
import type { FormProblem } from '../../api.ts'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { Dialog } from '../../ui/dialog.tsx'
import { FormError } from '../../ui/field.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { toast } from '../../ui/toast.tsx'
import { type Kind, listRevisions, type Post, type Revision, restoreRevision, when } from './content-api.ts'

export function Revisions({
  kind,
  post,
  currentBody,
  canRestore,
  onRestored,
}: {
  kind: Kind
  post: Post
  currentBody: string
  canRestore: boolean
  onRestored: (post: Post) => void
}) {
  const [open, setOpen] = useState(false)
  return (
    <div class="revisions">
      <Button onClick={() => setOpen(true)}>Revisions</Button>
      <Dialog open={open} title="Revisions" onClose={() => setOpen(false)} wide>
        <RevisionBrowser
          kind={kind}
          post={post}
          currentBody={currentBody}
          canRestore={canRestore}
          onRestored={(restored) => {
            setOpen(false)
            onRestored(restored)
          }}
        />
      </Dialog>
    </div>
  )
}

function RevisionBrowser({
  kind,
  post,
  currentBody,
  canRestore,
  onRestored,
}: {
  kind: Kind
  post: Post
  currentBody: string
  canRestore: boolean
  onRestored: (post: Post) => void
}) {
  // A save (a new revision) starts the list again at its first page.
  const list = usePagedList((cursor) => listRevisions(kind, post.id, cursor), `revisions ${post.id} ${post.updated_at}`)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [chosen, setChosen] = useState<Revision | undefined>(undefined)
  const [asking, setAsking] = useState(false)
  const [restoring, setRestoring] = useState(false)
  const revisions = list.loading && list.items.length === 0 ? undefined : list.items

  // On the first page, the revision before the current one is picked to compare; on another page, its newest.
  useEffect(() => {
    if (list.loading) return
    setChosen(list.page === 1 ? (list.items[1] ?? list.items[0]) : list.items[0])
  }, [list.items, list.loading])

  const restore = async () => {
    if (!chosen) return
    setRestoring(true)
    try {
      const restored = await restoreRevision(kind, post.id, chosen.number)
      toast(`Revision ${chosen.number} restored as a new revision.`)
      setAsking(false)
      onRestored(restored)
    } catch (error) {
      setProblem(error as FormProblem)
      setAsking(false)
    } finally {
      setRestoring(false)
    }
  }

  if (list.problem && list.items.length === 0) return <FormError message={list.problem.message} />
  if (!revisions) return <Progress label="Loading the revisions…" />
  return (
    <div class="revision-browser">
      <FormError message={problem?.message} />
      <ol class="revision-list" aria-label="Revisions, newest first">
        {revisions.map((revision) => (
          <li key={revision.number}>
            <button
              type="button"
              class={chosen?.number === revision.number ? 'revision chosen' : 'revision'}
              aria-pressed={chosen?.number === revision.number}
              onClick={() => setChosen(revision)}
            >
              <strong>#{revision.number}</strong> {when(revision.created_at)}
              <span class="revision-title">{revision.title}</span>
            </button>
          </li>
        ))}
      </ol>
      <Pager list={list} label="Revision pages" />
      {chosen ? (
        <section class="revision-diff" aria-labelledby="revision-diff-title">
          <h3 id="revision-diff-title">Revision #{chosen.number} compared with the text in the editor</h3>
          <p class="hint">
            <span class="diff-legend removed">Only in revision #{chosen.number}</span>{' '}
            <span class="diff-legend added">Only in the editor</span>
          </p>
          <Diff before={chosen.body} after={currentBody} />
          {chosen.title !== post.title ? (
            <p>
              Title then: “{chosen.title}” (now “{post.title}”)
            </p>
          ) : null}
          {canRestore ? (
            <div class="actions">
              <Button variant="primary" onClick={() => setAsking(true)}>
                Restore revision #{chosen.number}
              </Button>
            </div>
          ) : null}
        </section>
      ) : null}
      <Confirm
        open={asking}
        title={`Restore revision #${chosen?.number ?? ''}?`}
        confirmLabel="Restore"
        busy={restoring}
        onConfirm={() => void restore()}
        onCancel={() => setAsking(false)}
      >
        <p>
          Its title, text, excerpt, cover and SEO fields become a new revision; the slug stays. Nothing is lost: the current text stays in
          the history.
        </p>
      </Confirm>
    </div>
  )
}

/** A line diff: removed lines struck through, added ones marked; unchanged runs shown. */
function Diff({ before, after }: { before: string; after: string }) {
  const parts = diffLines(before, after)
  if (parts.every((part) => !part.added && !part.removed)) return <p>The text is the same.</p>
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (axe: scrollable-region-focusable)
    <section class="diff" tabIndex={0} aria-label="Differences">
      <pre>
        {parts.map((part, index) =>
          part.added ? (
            <ins key={index}>{part.value}</ins>
          ) : part.removed ? (
            <del key={index}>{part.value}</del>
          ) : (
            <span key={index}>{part.value}</span>
          ),
        )}
      </pre>
    </section>
  )
}
