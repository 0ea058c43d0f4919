import { useState } from 'preact/hooks'
import { type FormProblem, problemOf } from '../api.ts'

const isFormProblem = (value: unknown): value is FormProblem =>
  typeof value === 'object' && value !== null && 'message' in value && 'fields' in value

/**
 * A form's submit, the same everywhere: no page load, `busy` while `task` runs, the
 * last problem cleared, then kept as the form's `problem` when `task` answers one (a
 * failed call: `if (error) return problemOf(error)`; anything else it answers is ignored) or throws (load()'s FormProblem,
 * or a network failure). `submit` also serves a button's onClick.
 */
export function useSubmit(task: () => Promise<unknown>) {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const submit = async (event?: Event) => {
    event?.preventDefault()
    setBusy(true)
    setProblem(undefined)
    try {
      const failed = await task()
      if (isFormProblem(failed)) setProblem(failed)
    } catch (error) {
      setProblem(isFormProblem(error) ? error : problemOf(error))
    } finally {
      setBusy(false)
    }
  }
  return { busy, problem, setProblem, submit }
}

/** A problem's message when no field shows it (FormError's text beside per-field errors). */
export const unplacedMessage = (problem: FormProblem | undefined) =>
  problem && Object.keys(problem.fields).length === 0 ? problem.message : undefined
