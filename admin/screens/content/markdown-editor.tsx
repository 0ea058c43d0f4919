// The Markdown body as a CodeMirror 6 editor (only the editor screen's chunk loads it).
// Tab is left to the browser (no indentWithTab), so the keyboard can leave the editor.
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands'
import { markdownLanguage } from '@codemirror/lang-markdown'
import { defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { EditorState } from '@codemirror/state'
import { EditorView, keymap, placeholder } from '@codemirror/view'
import { useEffect, useRef } from 'preact/hooks'

/** The admin's look inside the shadow root (admin/styles.css does not reach in). */
const THEME = EditorView.theme({
  '&': { minHeight: '24rem', backgroundColor: '#ffffff', color: '#1b1f24' },
  '&.cm-focused': { outline: '3px solid #f2b600', outlineOffset: '2px' },
  '.cm-content': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: '0.95rem', padding: '0.5rem 0' },
  '.cm-scroller': { minHeight: '24rem' },
  '.cm-placeholder': { color: '#555e6b' },
})

export function MarkdownEditor({
  value,
  reset,
  label,
  readOnly = false,
  onChange,
}: {
  value: string
  /** Changed (from 0) by the screen when `value` is replaced from outside. */
  reset: number
  label: string
  readOnly?: boolean
  onChange: (value: string) => void
}) {
  const host = useRef<HTMLDivElement>(null)
  const view = useRef<EditorView | null>(null)
  const changed = useRef(onChange)
  changed.current = onChange

  useEffect(() => {
    if (!host.current) return
    // In a shadow root: CodeMirror's own styles (style-mod) then go in as a constructed
    // stylesheet; in the document they would be a <style> element, which the admin's CSP
    // (style-src 'self') refuses.
    const shadow = host.current.shadowRoot ?? host.current.attachShadow({ mode: 'open' })
    const editor = new EditorView({
      root: shadow,
      parent: shadow,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          // The Markdown language alone: markdown() also loads HTML, CSS and JavaScript support for code blocks (300 KB more).
          markdownLanguage.extension,
          syntaxHighlighting(defaultHighlightStyle),
          EditorView.lineWrapping,
          THEME,
          placeholder('Write in Markdown: # a heading, *emphasis*, [a link](https://…), ![an image](/media/…)'),
          EditorState.readOnly.of(readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({
            'aria-label': label,
            'aria-multiline': 'true',
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString())
          }),
        ],
      }),
    })
    view.current = editor
    return () => {
      editor.destroy()
      view.current = null
    }
  }, [readOnly])

  // A value from outside (a restored revision) replaces the text when `reset` changes, and only
  // then: while the writer types, `value` trails the editor's text by a render or more, and
  // writing it back would undo keystrokes (and loop, each undo being a change again).
  useEffect(() => {
    const editor = view.current
    if (!editor || reset === 0) return
    const current = editor.state.doc.toString()
    if (current !== value) editor.dispatch({ changes: { from: 0, to: current.length, insert: value } })
  }, [reset])

  return <div class="markdown-editor" ref={host} />
}
