// The admin UI's entry (decision 0023): mounts the app in index.html's #app.
import { render } from 'preact'
import { App } from './app/app.tsx'

const root = document.getElementById('app')
if (root) {
  root.textContent = ''
  render(<App />, root)
}
