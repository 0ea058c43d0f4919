// The media library (/admin/media): a paged grid, drag-and-drop (or chosen) uploads of
// several files with a progress bar each, and per item its alt text, where it is used and
// delete (with what it is used by, in the question).
import { useEffect, useState } from 'preact/hooks'
import type { FormProblem } from '../../api.ts'
import { Link } from '../../app/router.tsx'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { Dialog } from '../../ui/dialog.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { toast } from '../../ui/toast.tsx'
import {
  deleteMedia,
  formatBytes,
  getMediaUsage,
  isImage,
  listMedia,
  type Media,
  type MediaUsage,
  thumbnailUrl,
  updateAlt,
  uploadMedia,
} from './media-api.ts'

type Upload = { key: number; name: string; fraction: number; error?: string; done?: boolean }
let uploadKey = 0

export default function MediaLibrary() {
  const list = usePagedList((cursor) => listMedia(cursor), 'media')
  const [uploads, setUploads] = useState<Upload[]>([])
  const [open, setOpen] = useState<Media | undefined>(undefined)

  const upload = (files: File[]) => {
    const started = files.map((file) => ({ file, state: { key: uploadKey++, name: file.name, fraction: 0 } as Upload }))
    setUploads((current) => [...started.map((item) => item.state), ...current])
    const update = (key: number, change: Partial<Upload>) =>
      setUploads((current) => current.map((item) => (item.key === key ? { ...item, ...change } : item)))
    // One at a time: each bar moves in turn, and the server is not asked to decode many images at once.
    void (async () => {
      let stored = 0
      for (const { file, state } of started) {
        try {
          await uploadMedia(file, (fraction) => update(state.key, { fraction }))
          update(state.key, { done: true, fraction: 1 })
          stored++
        } catch (error) {
          update(state.key, { error: (error as FormProblem).message })
        }
      }
      if (stored > 0) {
        toast(stored === 1 ? 'Uploaded 1 file.' : `Uploaded ${stored} files.`)
        list.reload()
      }
    })()
  }

  return (
    <section class="media-library">
      <h1>Media</h1>
      <DropZone onFiles={upload} />
      {uploads.length > 0 ? (
        <ul class="uploads" aria-label="Uploads">
          {uploads.map((item) => (
            <li key={item.key} class={item.error ? 'upload failed' : 'upload'}>
              <span class="upload-name">{item.name}</span>
              {item.error ? (
                <span class="error" role="alert">
                  {item.error}
                </span>
              ) : (
                <progress max={1} value={item.fraction} aria-label={`Uploading ${item.name}`} />
              )}
              <span class="upload-state">{item.error ? 'Failed' : item.done ? 'Done' : `${Math.round(item.fraction * 100)}%`}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <FormError message={list.problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading media…" />
      ) : list.items.length === 0 ? (
        <EmptyState title="No media yet.">
          <p>Drop images or PDFs above to upload them.</p>
        </EmptyState>
      ) : (
        <ul class="media-grid" aria-label="Media items">
          {list.items.map((media) => (
            <li key={media.id} class="media-card">
              <button type="button" class="media-open" onClick={() => setOpen(media)} aria-label={`Edit ${media.original_name}`}>
                <Thumbnail media={media} />
              </button>
              <span class="media-name" title={media.original_name}>
                {media.original_name}
              </span>
              <span class="media-meta">
                {media.width && media.height ? `${media.width}×${media.height} · ` : ''}
                {formatBytes(media.size_bytes)}
              </span>
              {media.alt ? null : isImage(media) ? <span class="media-warning">No alt text</span> : null}
            </li>
          ))}
        </ul>
      )}
      <Pager list={list} label="Media pages" />
      <Dialog open={open !== undefined} title={open ? open.original_name : ''} onClose={() => setOpen(undefined)} wide>
        {open ? (
          <MediaDetail
            media={open}
            onChanged={(media) => {
              setOpen(media)
              list.reload()
            }}
            onDeleted={() => {
              setOpen(undefined)
              list.reload()
            }}
          />
        ) : null}
      </Dialog>
    </section>
  )
}

export function Thumbnail({ media }: { media: Media }) {
  if (!isImage(media)) return <span class="media-file">{media.mime_type === 'application/pdf' ? 'PDF' : media.mime_type}</span>
  return (
    <img src={thumbnailUrl(media)} alt={media.alt} loading="lazy" width={media.width ?? undefined} height={media.height ?? undefined} />
  )
}

/** Files dropped on the zone, or chosen with its button (the keyboard's way). */
function DropZone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const [over, setOver] = useState(false)
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is the mouse's shortcut; the file input inside is the accessible way
    <div
      class={over ? 'drop-zone over' : 'drop-zone'}
      onDragOver={(event) => {
        event.preventDefault()
        setOver(true)
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault()
        setOver(false)
        const files = [...(event.dataTransfer?.files ?? [])]
        if (files.length > 0) onFiles(files)
      }}
    >
      <p>Drop images or PDFs here to upload them, or</p>
      <label class="button primary file-button">
        Choose files
        <input
          type="file"
          multiple
          accept="image/jpeg,image/png,image/webp,image/avif,image/gif,application/pdf"
          class="visually-hidden"
          onChange={(event) => {
            const files = [...(event.currentTarget.files ?? [])]
            event.currentTarget.value = ''
            if (files.length > 0) onFiles(files)
          }}
        />
      </label>
    </div>
  )
}

const USED_AS = { cover: 'cover', body: 'in the text', image: 'image', description: 'in the description' } as const
const KIND_PATH = { post: '/admin/posts', page: '/admin/pages', product: '/admin/products' } as const

function MediaDetail({ media, onChanged, onDeleted }: { media: Media; onChanged: (media: Media) => void; onDeleted: () => void }) {
  const [alt, setAlt] = useState(media.alt)
  const [saving, setSaving] = useState(false)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [usage, setUsage] = useState<MediaUsage | undefined>(undefined)
  const [usageProblem, setUsageProblem] = useState<string | undefined>(undefined)
  const [asking, setAsking] = useState(false)
  const [deleting, setDeleting] = useState(false)

  useEffect(() => {
    getMediaUsage(media.id).then(setUsage, (error: FormProblem) => setUsageProblem(error.message))
  }, [media.id])

  const save = async (event: Event) => {
    event.preventDefault()
    setSaving(true)
    try {
      const saved = await updateAlt(media.id, alt)
      setProblem(undefined)
      toast('Alt text saved.')
      onChanged(saved)
    } catch (error) {
      setProblem(error as FormProblem)
    } finally {
      setSaving(false)
    }
  }

  const remove = async () => {
    setDeleting(true)
    try {
      await deleteMedia(media.id)
      toast(`Deleted ${media.original_name}.`)
      onDeleted()
    } catch (error) {
      setProblem(error as FormProblem)
      setAsking(false)
    } finally {
      setDeleting(false)
    }
  }

  const uses = usage?.data ?? []
  return (
    <div class="media-detail">
      <div class="media-preview">
        <Thumbnail media={media} />
        <p class="media-meta">
          {media.mime_type} · {formatBytes(media.size_bytes)}
          {media.width && media.height ? ` · ${media.width}×${media.height}` : ''} ·{' '}
          <a href={media.url} target="_blank" rel="noopener">
            Open the file
          </a>
        </p>
      </div>
      <form onSubmit={save} class="media-alt">
        <FormError message={problem && Object.keys(problem.fields).length === 0 ? problem.message : undefined} />
        <Field
          as="textarea"
          label="Alt text"
          name="alt"
          rows={3}
          maxLength={1000}
          value={alt}
          hint="What the image shows, for people who cannot see it."
          error={problem?.fields.alt}
          onInput={(event) => setAlt(event.currentTarget.value)}
        />
        <div class="actions">
          <button type="submit" class="button primary" disabled={saving || alt === media.alt} aria-busy={saving || undefined}>
            Save alt text
          </button>
        </div>
      </form>
      <section class="media-usage" aria-labelledby="media-usage-title">
        <h3 id="media-usage-title">Used by</h3>
        {usageProblem ? (
          <p class="notice error">{usageProblem}</p>
        ) : usage === undefined ? (
          <Progress label="Finding where it is used…" />
        ) : uses.length === 0 ? (
          <p>Not used anywhere.</p>
        ) : (
          <ul>
            {uses.map((use) => (
              <li key={`${use.kind}-${use.id}-${use.used_as}`}>
                <Link href={`${KIND_PATH[use.kind]}/${use.id}`}>{use.title}</Link> ({use.kind}, {use.status}, {USED_AS[use.used_as]})
              </li>
            ))}
            {usage.more ? <li>…and more.</li> : null}
          </ul>
        )}
      </section>
      <div class="actions">
        <Button variant="danger" onClick={() => setAsking(true)}>
          Delete
        </Button>
      </div>
      <Confirm
        open={asking}
        title={`Delete ${media.original_name}?`}
        confirmLabel="Delete"
        danger
        busy={deleting}
        onConfirm={() => void remove()}
        onCancel={() => setAsking(false)}
      >
        {uses.length > 0 ? (
          <p class="notice error">
            It is used in {uses.length}
            {usage?.more ? '+' : ''} place{uses.length === 1 ? '' : 's'}: covers and product images lose it, and texts that show it will
            show a missing image.
          </p>
        ) : (
          <p>The file is removed from the site. This cannot be undone.</p>
        )}
      </Confirm>
    </div>
  )
}
