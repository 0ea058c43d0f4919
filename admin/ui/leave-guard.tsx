import { useEffect, useRef, useState } from 'preact/hooks'
import { setLeaveCheck } from '../app/router.tsx'
import { Confirm } from './confirm.tsx'

/**
 * Keeps an editor's unsaved changes from being lost by leaving. While `dirty`: closing or
 * reloading the tab, or going to another site, makes the browser ask (beforeunload); leaving
 * inside the admin (a <Link>, the sidebar, Back or Forward: app/router.tsx's leave check) asks
 * here, in the app's own dialog, and Cancel keeps the screen, its edits and its address. Render
 * it once in the editor; `message` says what would be lost.
 */
export function LeaveGuard({ dirty, message }: { dirty: boolean; message: string }) {
  const [asking, setAsking] = useState(false)
  // One question at a time: a second Back while the dialog is open waits for the same answer.
  const question = useRef<{ answered: Promise<boolean>; answer: (leave: boolean) => void } | undefined>(undefined)
  const reply = (leave: boolean) => {
    question.current?.answer(leave)
    question.current = undefined
    setAsking(false)
  }

  useEffect(() => {
    if (!dirty) return
    const warn = (event: BeforeUnloadEvent) => event.preventDefault()
    addEventListener('beforeunload', warn)
    const removeCheck = setLeaveCheck(() => {
      if (!question.current) {
        let answer: (leave: boolean) => void = () => undefined
        const answered = new Promise<boolean>((resolve) => {
          answer = resolve
        })
        question.current = { answered, answer }
        setAsking(true)
      }
      return question.current.answered
    })
    return () => {
      removeEventListener('beforeunload', warn)
      removeCheck()
    }
  }, [dirty])
  // Gone while asking (a navigation of the app's own, such as an ended session): the question is answered "stay".
  useEffect(() => () => question.current?.answer(false), [])

  return (
    <Confirm
      open={asking}
      title="Leave without saving?"
      confirmLabel="Leave"
      danger
      onConfirm={() => reply(true)}
      onCancel={() => reply(false)}
    >
      <p>{message}</p>
    </Confirm>
  )
}
