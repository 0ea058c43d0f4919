// The post and page editor (/admin/posts/:id, /admin/pages/:id; `new` for a new one):
// Markdown in CodeMirror with the server's live preview, autosave of drafts, slug, excerpt,
// SEO fields, cover from the media library, tags and categories, the workflow (publish,
// schedule, unpublish, archive: editors and admins only, as the API), revisions with a
// diff and restore, and delete.
import { useEffect, useRef, useState } from 'preact/hooks'
import { type FormProblem, hasRole } from '../../api.ts'
import { navigate, replaceAddress, useLocation } from '../../app/router.tsx'
import type { ScreenProps } from '../../app/routes.tsx'
import { useSession } from '../../app/session.tsx'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { LeaveGuard } from '../../ui/leave-guard.tsx'
import { LoadFailed } from '../../ui/load-failed.tsx'
import { Progress } from '../../ui/progress.tsx'
import { toast } from '../../ui/toast.tsx'
import type { Media } from '../media/media-api.ts'
import { MediaPicker } from '../media/picker.tsx'
import {
  changeStatus,
  createContent,
  deleteContent,
  getContent,
  Kind,
  kindOf,
  type Post,
  type PostChanges,
  plural,
  previewMarkdown,
  STATUS_LABELS,
  type StatusAction,
  scheduleContent,
  updateContent,
  when,
} from './content-api.ts'
import { MarkdownEditor } from './markdown-editor.tsx'
import { Revisions } from './revisions.tsx'

/** How long typing must pause before a draft is saved, and before the preview is asked for. */
const AUTOSAVE_MS = 1500
const PREVIEW_MS = 500

/** The fields the form edits, as text (terms as comma-separated names). */
type Draft = {
  title: string
  slug: string
  body: string
  excerpt: string
  seo_title: string
  seo_description: string
  tags: string
  categories: string
}
type Cover = Post['cover']

const draftOf = (post: Post): Draft => ({
  title: post.title,
  slug: post.slug,
  body: post.body ?? '',
  excerpt: post.excerpt,
  seo_title: post.seo_title,
  seo_description: post.seo_description,
  tags: (post.tags ?? []).map((term) => term.name).join(', '),
  categories: (post.categories ?? []).map((term) => term.name).join(', '),
})
const EMPTY: Draft = { title: '', slug: '', body: '', excerpt: '', seo_title: '', seo_description: '', tags: '', categories: '' }
const names = (text: string) => [...new Set(text.split(',').map((name) => name.trim()))].filter(Boolean).map((name) => ({ name }))

/** What changed between the last saved form and this one, as a PATCH body. */
function changesBetween(saved: Draft, now: Draft, savedCover: Cover, cover: Cover): PostChanges {
  const changes: PostChanges = {}
  if (now.title !== saved.title && now.title.trim()) changes.title = now.title
  if (now.slug !== saved.slug && now.slug.trim()) changes.slug = now.slug.trim()
  for (const key of ['body', 'excerpt', 'seo_title', 'seo_description'] as const) if (now[key] !== saved[key]) changes[key] = now[key]
  if (now.tags !== saved.tags) changes.tags = names(now.tags)
  if (now.categories !== saved.categories) changes.categories = names(now.categories)
  if ((cover?.id ?? null) !== (savedCover?.id ?? null)) changes.cover = cover ? { id: cover.id } : null
  return changes
}

type SaveState = 'saved' | 'dirty' | 'saving' | 'error'
const SAVE_LABELS: Record<SaveState, string> = { saved: 'Saved', dirty: 'Unsaved changes', saving: 'Saving…', error: 'Not saved' }

export default function Editor({ params }: ScreenProps) {
  const where = useLocation()
  const kind = kindOf(where.path)
  const isNew = params.id === 'new'
  const id = isNew ? undefined : Number(params.id)
  const [post, setPost] = useState<Post | undefined>(undefined)
  const [loadProblem, setLoadProblem] = useState<string | undefined>(undefined)
  // A post created on this screen: its URL changes from …/new to …/<id>, and the form stays as it is.
  const created = useRef<Post | undefined>(undefined)
  const createdHere = created.current !== undefined && created.current.id === id

  useEffect(() => {
    if (createdHere) return
    setPost(undefined)
    setLoadProblem(undefined)
    if (id === undefined) return
    if (!Number.isSafeInteger(id) || id < 1) {
      setLoadProblem(`There is no ${kind} ${params.id}.`)
      return
    }
    getContent(kind, id).then(setPost, (problem: FormProblem) => setLoadProblem(problem.message))
  }, [kind, id])

  if (loadProblem) {
    return <LoadFailed title={Kind(kind)} message={loadProblem} back={`/admin/${plural(kind)}`} backLabel={`Back to the ${plural(kind)}`} />
  }
  if (!isNew && !post && !createdHere) return <Progress label={`Loading the ${kind}…`} />
  // A new key per post: the form starts afresh when another one opens.
  return (
    <EditorForm
      key={createdHere || isNew ? 'new' : post?.id}
      kind={kind}
      initial={isNew || createdHere ? undefined : post}
      onCreated={(result) => {
        created.current = result
      }}
    />
  )
}

function EditorForm({ kind, initial, onCreated }: { kind: Kind; initial: Post | undefined; onCreated: (post: Post) => void }) {
  const { me } = useSession()
  const isEditor = hasRole(me?.role, 'editor')
  const [post, setPostState] = useState<Post | undefined>(initial)
  // The latest post for saves started by an older render's timer (a create must happen once).
  const latest = useRef<Post | undefined>(initial)
  const setPost = (value: Post) => {
    latest.current = value
    setPostState(value)
  }
  const [form, setForm] = useState<Draft>(initial ? draftOf(initial) : EMPTY)
  const [cover, setCover] = useState<Cover>(initial?.cover ?? null)
  const saved = useRef<{ draft: Draft; cover: Cover }>({ draft: initial ? draftOf(initial) : EMPTY, cover: initial?.cover ?? null })
  const [saveState, setSaveState] = useState<SaveState>('saved')
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [picking, setPicking] = useState(false)
  const [busy, setBusy] = useState<string | undefined>(undefined)
  const [confirmDelete, setConfirmDelete] = useState(false)
  const [publishAt, setPublishAt] = useState('')
  const [bodyResets, setBodyResets] = useState(0)
  const saving = useRef<Promise<Post | undefined> | undefined>(undefined)

  // Authors change only their own drafts (the API's rule): anything else opens read-only.
  const editable = post === undefined || isEditor || (post.status === 'draft' && post.author.id === me?.id)
  const many = plural(kind)
  const autosaves = post === undefined || post.status === 'draft'

  const set = (key: keyof Draft) => (event: { currentTarget: { value: string } }) => {
    const value = event.currentTarget.value
    setForm((current) => ({ ...current, [key]: value }))
  }
  const pending = () => changesBetween(saved.current.draft, form, saved.current.cover, cover)
  const dirty = Object.keys(pending()).length > 0

  /** Saves what changed (creating the post first when new). Answers the saved post, or undefined when the save failed. */
  const save = async (): Promise<Post | undefined> => {
    if (saving.current) await saving.current
    const post = latest.current
    const changes = changesBetween(saved.current.draft, form, saved.current.cover, cover)
    if (Object.keys(changes).length === 0) return post
    if (post === undefined && !form.title.trim()) {
      setProblem({ message: '', fields: { title: 'A title is needed before the first save.' } })
      setSaveState('error')
      return undefined
    }
    const snapshot = { draft: form, cover }
    setSaveState('saving')
    const run = (async () => {
      try {
        const result =
          post === undefined ? await createContent(kind, { ...changes, title: form.title }) : await updateContent(kind, post.id, changes)
        saved.current = snapshot
        setPost(result)
        // The slug the server chose (from the title) shows in the form without counting as a change.
        if (snapshot.draft.slug !== result.slug) {
          saved.current = { ...snapshot, draft: { ...snapshot.draft, slug: result.slug } }
          setForm((current) => (current.slug === snapshot.draft.slug ? { ...current, slug: result.slug } : current))
        }
        setProblem(undefined)
        setSaveState('saved')
        if (post === undefined) {
          onCreated(result)
          // The address becomes the post's without a navigation: the layout would move focus
          // to the screen's start, out of the editor the writer is typing in.
          replaceAddress(`/admin/${many}/${result.id}`)
        }
        return result
      } catch (error) {
        setProblem(error as FormProblem)
        setSaveState('error')
        return undefined
      } finally {
        saving.current = undefined
      }
    })()
    saving.current = run
    return run
  }

  // Autosave of drafts: once typing pauses. Published and scheduled content saves on the button only.
  useEffect(() => {
    if (!dirty) return
    if (saveState !== 'saving') setSaveState('dirty')
    if (!autosaves || !editable || (post === undefined && !form.title.trim())) return
    const timer = setTimeout(() => void save(), AUTOSAVE_MS)
    return () => clearTimeout(timer)
  }, [form, cover])

  const act = async (label: string, work: (current: Post) => Promise<Post>, done: string) => {
    const current = await save()
    if (!current) return
    setBusy(label)
    try {
      const result = await work(current)
      setPost(result)
      setProblem(undefined)
      toast(done)
    } catch (error) {
      setProblem(error as FormProblem)
    } finally {
      setBusy(undefined)
    }
  }
  const status = (action: StatusAction, done: string) => act(action, (current) => changeStatus(kind, current.id, action), done)
  const schedule = () => {
    if (!publishAt) {
      setProblem({ message: '', fields: { publish_at: 'Choose the date and time to publish at.' } })
      return
    }
    const at = new Date(publishAt).toISOString()
    return act('schedule', (current) => scheduleContent(kind, current.id, at), `Scheduled for ${when(at)}.`)
  }
  const remove = async () => {
    if (!post) return
    setBusy('delete')
    try {
      await deleteContent(kind, post.id)
      toast(`Deleted “${post.title}”.`)
      navigate(`/admin/${many}`)
    } catch (error) {
      setProblem(error as FormProblem)
      setConfirmDelete(false)
    } finally {
      setBusy(undefined)
    }
  }
  const restored = (result: Post) => {
    const draft = draftOf(result)
    saved.current = { draft, cover: result.cover }
    setForm(draft)
    setBodyResets((count) => count + 1)
    setCover(result.cover)
    setPost(result)
    setSaveState('saved')
  }

  const fields = problem?.fields ?? {}
  const known = new Set(['title', 'slug', 'body', 'excerpt', 'seo_title', 'seo_description', 'publish_at'])
  const otherErrors = Object.entries(fields).filter(
    ([field]) => !known.has(field) && !field.startsWith('tags') && !field.startsWith('categories'),
  )
  const termError = (prefix: string) =>
    Object.entries(fields)
      .filter(([field]) => field === prefix || field.startsWith(`${prefix}.`))
      .map(([, message]) => message)
      .join(' ') || undefined

  return (
    <section class="editor">
      <div class="screen-head">
        <h1>{post ? `Edit ${kind}` : `New ${kind}`}</h1>
        <p class={`save-state save-${saveState}`} role="status" aria-live="polite">
          {post ? <span class={`status status-${post.status}`}>{STATUS_LABELS[post.status]}</span> : null}
          {post?.status === 'scheduled' ? ` · publishes ${when(post.publish_at)}` : ''}{' '}
          {dirty || saveState !== 'saved' || post ? SAVE_LABELS[saveState] : ''}
        </p>
      </div>
      {post?.url ? (
        <p class="live-link">
          On the site: <a href={post.url}>{post.url}</a>
        </p>
      ) : null}
      {!editable ? <p class="notice">Only editors and admins can change {post?.status} content; you can read it here.</p> : null}
      <FormError
        message={
          problem?.message && (Object.keys(fields).length === 0 || otherErrors.length > 0)
            ? [problem.message, ...otherErrors.map(([field, message]) => `${field}: ${message}`)].join(' ')
            : undefined
        }
      />
      <form
        class="editor-form"
        onSubmit={(event) => {
          event.preventDefault()
          void save()
        }}
      >
        <div class="editor-main">
          <Field
            label="Title"
            name="title"
            value={form.title}
            required
            maxLength={200}
            error={fields.title}
            onInput={set('title')}
            disabled={!editable}
          />
          <div class={fields.body ? 'field has-error' : 'field'}>
            <span class="label" id="field-body-label">
              Body
            </span>
            <p class="hint" id="field-body-hint">
              Markdown. The preview is rendered by the site.
            </p>
            <div class="write-and-preview">
              <MarkdownEditor
                label="Body"
                value={form.body}
                reset={bodyResets}
                readOnly={!editable}
                onChange={(body) => setForm((current) => ({ ...current, body }))}
              />
              <Preview body={form.body} />
            </div>
            {fields.body ? (
              <p class="error" id="field-body-error">
                {fields.body}
              </p>
            ) : null}
          </div>
        </div>
        <aside class="editor-side" aria-label="Settings">
          <div class="actions">
            <Button
              type="submit"
              variant={autosaves ? 'secondary' : 'primary'}
              busy={saveState === 'saving'}
              disabled={!editable || !dirty}
            >
              {autosaves ? 'Save now' : 'Save changes'}
            </Button>
          </div>
          {post && isEditor ? (
            <fieldset class="workflow">
              <legend>Publishing</legend>
              {post.status !== 'published' ? (
                <Button variant="primary" busy={busy === 'publish'} onClick={() => void status('publish', 'Published.')}>
                  Publish
                </Button>
              ) : null}
              {post.status === 'draft' || post.status === 'scheduled' ? (
                <div class="schedule">
                  <Field
                    label="Publish at"
                    name="publish_at"
                    type="datetime-local"
                    value={publishAt}
                    error={fields.publish_at}
                    onInput={(event) => setPublishAt(event.currentTarget.value)}
                  />
                  <Button busy={busy === 'schedule'} onClick={() => void schedule()}>
                    {post.status === 'scheduled' ? 'Reschedule' : 'Schedule'}
                  </Button>
                </div>
              ) : null}
              {post.status !== 'draft' ? (
                <Button busy={busy === 'unpublish'} onClick={() => void status('unpublish', 'Back to draft.')}>
                  {post.status === 'scheduled' ? 'Cancel the schedule' : 'Unpublish'}
                </Button>
              ) : null}
              {post.status === 'published' ? (
                <Button busy={busy === 'archive'} onClick={() => void status('archive', 'Archived.')}>
                  Archive
                </Button>
              ) : null}
            </fieldset>
          ) : post ? (
            <p class="hint">An editor publishes your draft when it is ready.</p>
          ) : null}
          <Field
            label="Slug"
            name="slug"
            value={form.slug}
            maxLength={200}
            hint={post ? undefined : 'Made from the title when left empty.'}
            error={fields.slug}
            onInput={set('slug')}
            disabled={!editable}
          />
          <Field
            as="textarea"
            label="Excerpt"
            name="excerpt"
            rows={3}
            maxLength={1000}
            value={form.excerpt}
            error={fields.excerpt}
            onInput={set('excerpt')}
            disabled={!editable}
          />
          <div class="field cover-field">
            <span class="label" id="cover-label">
              Cover image
            </span>
            {cover ? <img class="cover-preview" src={cover.url} alt={cover.alt} /> : <p class="hint">No cover.</p>}
            <div class="actions">
              <Button onClick={() => setPicking(true)} disabled={!editable} aria-describedby="cover-label">
                {cover ? 'Change cover' : 'Choose cover'}
              </Button>
              {cover ? (
                <Button onClick={() => setCover(null)} disabled={!editable}>
                  Remove cover
                </Button>
              ) : null}
            </div>
            {fields['cover.id'] || fields.cover ? <p class="error">{fields['cover.id'] ?? fields.cover}</p> : null}
          </div>
          {kind === 'post' ? (
            <>
              <Field
                label="Tags"
                name="tags"
                value={form.tags}
                hint={isEditor ? 'Comma-separated; new names become new tags.' : 'Comma-separated names of existing tags.'}
                error={termError('tags')}
                onInput={set('tags')}
                disabled={!editable}
              />
              <Field
                label="Categories"
                name="categories"
                value={form.categories}
                hint={isEditor ? 'Comma-separated; new names become new categories.' : 'Comma-separated names of existing categories.'}
                error={termError('categories')}
                onInput={set('categories')}
                disabled={!editable}
              />
            </>
          ) : null}
          <fieldset>
            <legend>Search engines</legend>
            <Field
              label="SEO title"
              name="seo_title"
              value={form.seo_title}
              maxLength={200}
              hint="Defaults to the title."
              error={fields.seo_title}
              onInput={set('seo_title')}
              disabled={!editable}
            />
            <Field
              as="textarea"
              label="SEO description"
              name="seo_description"
              rows={3}
              maxLength={500}
              value={form.seo_description}
              hint="Defaults to the excerpt."
              error={fields.seo_description}
              onInput={set('seo_description')}
              disabled={!editable}
            />
          </fieldset>
          {post ? <Revisions kind={kind} post={post} currentBody={form.body} canRestore={editable} onRestored={restored} /> : null}
          {post && editable ? (
            <div class="actions danger-zone">
              <Button variant="danger" onClick={() => setConfirmDelete(true)}>
                Delete {kind}
              </Button>
            </div>
          ) : null}
        </aside>
      </form>
      <MediaPicker
        open={picking}
        onClose={() => setPicking(false)}
        onPick={(media: Media) => {
          setCover({ id: media.id, url: media.url, alt: media.alt, width: media.width, height: media.height, srcset: media.srcset })
          setPicking(false)
        }}
      />
      <Confirm
        open={confirmDelete}
        title={`Delete “${post?.title ?? ''}”?`}
        confirmLabel={`Delete ${kind}`}
        danger
        busy={busy === 'delete'}
        onConfirm={() => void remove()}
        onCancel={() => setConfirmDelete(false)}
      >
        <p>The {kind} and its revisions are deleted. This cannot be undone.</p>
      </Confirm>
      <LeaveGuard dirty={dirty} message={`The changes to this ${kind} are not saved yet.`} />
    </section>
  )
}

/** The server's rendering of the body (POST /api/v1/preview), asked for once typing pauses. */
function Preview({ body }: { body: string }) {
  const [html, setHtml] = useState<string | undefined>(undefined)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  useEffect(() => {
    let current = true
    const timer = setTimeout(() => {
      previewMarkdown(body).then(
        (result) => {
          if (!current) return
          setHtml(result.body_html)
          setProblem(undefined)
        },
        (error: FormProblem) => {
          if (current) setProblem(error.message)
        },
      )
    }, PREVIEW_MS)
    return () => {
      current = false
      clearTimeout(timer)
    }
  }, [body])
  return (
    <section class="preview" aria-label="Preview" aria-busy={html === undefined || undefined}>
      {problem ? <p class="notice error">{problem}</p> : null}
      {html === undefined ? (
        <Progress label="Rendering the preview…" />
      ) : html === '' ? (
        <p class="hint">The preview shows here.</p>
      ) : (
        // The server's sanitised rendering (the same HTML the site shows); nothing of it runs.
        <div class="prose" dangerouslySetInnerHTML={{ __html: html }} />
      )}
    </section>
  )
}
