// A list's filters live in the URL (a list can be linked, and Back returns to it as it
// was): a select and a search box bound to query parameters, and the parser of a choice.
import { useEffect, useState } from 'preact/hooks'
import { setQuery } from '../app/router.tsx'
import { Field } from './field.tsx'

/** The query parameter `name` when it is one of `choices`' keys, else undefined. */
export function queryChoice<K extends string>(query: URLSearchParams, name: string, choices: Record<K, string>): K | undefined {
  return (Object.keys(choices) as K[]).find((value) => value === query.get(name))
}

/**
 * A select bound to the query parameter `name`: `any` (none; left out when not given, as for a
 * sort, which always has a value) and each of `choices` (value → label), in order.
 */
export function QuerySelect<K extends string>({
  label,
  name,
  any,
  choices,
  value,
}: {
  label: string
  name: string
  any?: string
  choices: Record<K, string>
  value: K | undefined
}) {
  return (
    <Field
      as="select"
      label={label}
      name={name}
      value={value ?? ''}
      onChange={(event) => setQuery({ [name]: event.currentTarget.value || undefined })}
    >
      {any !== undefined && <option value="">{any}</option>}
      {(Object.keys(choices) as K[]).map((choice) => (
        <option value={choice} key={choice}>
          {choices[choice]}
        </option>
      ))}
    </Field>
  )
}

/**
 * The text of a box bound to the query parameter `name` (`q`, a search box, by default;
 * `value` is the URL's value now): the URL follows once typing pauses (400 ms, replacing
 * the history entry), and the box follows the URL (Back, a link). Answers [text, setText].
 */
export function useQuerySearch(value: string, name = 'q') {
  const [typed, setTyped] = useState(value)
  useEffect(() => setTyped(value), [value])
  useEffect(() => {
    if (typed === value) return
    const timer = setTimeout(() => setQuery({ [name]: typed.trim() || undefined }, { replace: true }), 400)
    return () => clearTimeout(timer)
  }, [typed])
  return [typed, setTyped] as const
}
