import { useCallback, useEffect, useState } from 'preact/hooks'
import type { FormProblem } from '../api.ts'

/** One thing loaded when the component mounts, and again on reload(); a failure is a FormProblem to show. */
export function useLoaded<Data>(fetch: () => Promise<Data>) {
  const [data, setData] = useState<Data | undefined>(undefined)
  const [problem, setProblem] = useState<FormProblem | undefined>(undefined)
  const [version, setVersion] = useState(0)
  useEffect(() => {
    let current = true
    fetch().then(
      (value) => {
        if (!current) return
        setData(value)
        setProblem(undefined)
      },
      (error: FormProblem) => {
        if (current) setProblem(error)
      },
    )
    return () => {
      current = false
    }
  }, [version])
  return { data, problem, reload: useCallback(() => setVersion((value) => value + 1), []) }
}
