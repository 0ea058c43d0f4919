// Picks an image from the media library (the editor's cover): a paged grid in a dialog.
import { Button } from '../../ui/button.tsx'
import { Dialog } from '../../ui/dialog.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { FormError } from '../../ui/field.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Thumbnail } from './library.tsx'
import { isImage, listMedia, type Media } from './media-api.ts'

export function MediaPicker({ open, onPick, onClose }: { open: boolean; onPick: (media: Media) => void; onClose: () => void }) {
  return (
    <Dialog open={open} title="Choose an image" onClose={onClose} wide>
      <PickerGrid onPick={onPick} />
    </Dialog>
  )
}

function PickerGrid({ onPick }: { onPick: (media: Media) => void }) {
  const list = usePagedList((cursor) => listMedia(cursor, 12), 'picker')
  const images = list.items.filter(isImage)
  return (
    <div class="media-picker">
      <FormError message={list.problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading media…" />
      ) : images.length === 0 && !list.hasNext ? (
        <EmptyState title="No images in the library yet.">
          <p>
            Upload them in <a href="/admin/media">Media</a>.
          </p>
        </EmptyState>
      ) : (
        <ul class="media-grid" aria-label="Images">
          {images.map((media) => (
            <li key={media.id} class="media-card">
              <Button class="media-open" onClick={() => onPick(media)} aria-label={`Choose ${media.original_name}`}>
                <Thumbnail media={media} />
              </Button>
              <span class="media-name">{media.original_name}</span>
            </li>
          ))}
        </ul>
      )}
      <Pager list={list} label="Image pages" />
    </div>
  )
}
