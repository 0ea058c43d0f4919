// The media library's calls. Uploads go through XMLHttpRequest, the one browser API that
// reports upload progress (fetch does not), with the session's CSRF token like every write.
import { api, type FormProblem, load, problemOf, type Schemas, signInPath } from '../../api.ts'

export type Media = Schemas['Media']
export type MediaUsage = Schemas['MediaUsage']

export const listMedia = (cursor: string | undefined, limit = 24) =>
  load(api.GET('/api/v1/media', { params: { query: { limit, ...(cursor ? { cursor } : {}) } } }))
export const getMediaUsage = (id: number) => load(api.GET('/api/v1/media/{id}/usage', { params: { path: { id } } }))
export const updateAlt = (id: number, alt: string) => load(api.PATCH('/api/v1/media/{id}', { params: { path: { id } }, body: { alt } }))
export const deleteMedia = (id: number) => load(api.DELETE('/api/v1/media/{id}', { params: { path: { id } } }))

export const isImage = (media: Pick<Media, 'mime_type'>) => media.mime_type.startsWith('image/')

/** The smallest variant at least `width` wide (or the original): thumbnails load little. */
export function thumbnailUrl(media: Media, width = 320): string {
  const fits = media.variants.filter((variant) => variant.width >= width && variant.format !== 'avif').sort((a, b) => a.width - b.width)
  return fits[0]?.url ?? media.url
}

/** The session's CSRF token (GET /api/v1/auth/csrf), for the one write the typed client cannot make (an upload with progress). */
async function csrfToken(): Promise<string> {
  const { token } = await load(api.GET('/api/v1/auth/csrf'))
  return token
}

/**
 * Uploads one file to POST /api/v1/media, calling `onProgress` with 0…1 as its bytes go
 * out. Resolves to the stored item; rejects with a FormProblem (the API's, or the network's).
 */
export async function uploadMedia(file: File, onProgress: (fraction: number) => void): Promise<Media> {
  const token = await csrfToken()
  const form = new FormData()
  form.append('file', file, file.name)
  return new Promise<Media>((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open('POST', '/api/v1/media')
    request.setRequestHeader('x-csrf-token', token)
    request.responseType = 'json'
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total)
    })
    request.addEventListener('load', () => {
      if (request.status === 201) {
        onProgress(1)
        resolve(request.response as Media)
        return
      }
      const problem = request.response as Schemas['Problem'] | null
      if (request.status === 401 && problem?.code === 'authentication_required') {
        location.assign(signInPath(location.pathname + location.search))
      }
      reject(problem ? problemOf(problem) : ({ message: `The upload failed (${request.status}).`, fields: {} } satisfies FormProblem))
    })
    request.addEventListener('error', () => reject(problemOf(new Error('network error'))))
    request.send(form)
  })
}

export const formatBytes = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`
