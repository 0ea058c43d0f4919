// The product category tree (/admin/product-categories): each category indented under its
// parent; create one (at the top or under a parent), rename it, move it under another parent
// (its sub-categories go along), delete it (after a question; the API refuses one that still
// has sub-categories, and says so).
import { useEffect, useState } from 'preact/hooks'
import type { FormProblem } from '../../api.ts'
import { Button } from '../../ui/button.tsx'
import { Confirm } from '../../ui/confirm.tsx'
import { Field, FormError } from '../../ui/field.tsx'
import { Progress } from '../../ui/progress.tsx'
import { toast } from '../../ui/toast.tsx'
import { useSubmit } from '../../ui/use-submit.ts'
import { createCategory, deleteCategory, loadCategoryTree, subtreeIds, type TreeCategory, updateCategory } from './products-api.ts'

const indent = (depth: number) => '\u2003'.repeat(depth)

/** The options of a "parent" select: the top, then every category (but `exclude`: a category and those below it). */
function ParentOptions({ tree, exclude }: { tree: TreeCategory[]; exclude?: Set<number> }) {
  return (
    <>
      <option value="">None (top level)</option>
      {tree
        .filter((category) => !exclude?.has(category.id))
        .map((category) => (
          <option key={category.id} value={String(category.id)}>
            {`${indent(category.depth)}${category.name}`}
          </option>
        ))}
    </>
  )
}

export default function ProductCategories() {
  const [tree, setTree] = useState<TreeCategory[] | undefined>(undefined)
  const [loadProblem, setLoadProblem] = useState<FormProblem | undefined>(undefined)
  const [version, setVersion] = useState(0)
  const reload = () => setVersion((value) => value + 1)
  useEffect(() => {
    loadCategoryTree().then((result) => {
      setTree(result)
      setLoadProblem(undefined)
    }, setLoadProblem)
  }, [version])

  return (
    <section class="product-categories">
      <h1>Product categories</h1>
      <FormError message={loadProblem?.message} />
      {tree === undefined ? (
        loadProblem ? null : (
          <Progress label="Loading the categories…" />
        )
      ) : (
        <>
          <NewCategory tree={tree} onCreated={reload} />
          <h2>The tree</h2>
          {tree.length === 0 ? (
            <p class="hint">No categories yet.</p>
          ) : (
            <ul class="category-tree" aria-label="Product categories">
              {tree.map((category) => (
                <CategoryRow key={category.id} category={category} tree={tree} onChanged={reload} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  )
}

function NewCategory({ tree, onCreated }: { tree: TreeCategory[]; onCreated: () => void }) {
  const [name, setName] = useState('')
  const [parent, setParent] = useState('')
  const { busy, problem, submit } = useSubmit(async () => {
    const created = await createCategory({ name, parent_id: parent ? Number(parent) : null })
    toast(`Created “${created.name}”.`)
    setName('')
    onCreated()
  })
  const fields = problem?.fields ?? {}
  return (
    <form class="card new-category" aria-labelledby="new-category-title" onSubmit={submit}>
      <h2 id="new-category-title">New category</h2>
      <FormError message={problem && !fields.name && !fields.parent_id && !fields.slug ? problem.message : undefined} />
      <div class="field-pair">
        <Field
          label="Name"
          name="name"
          value={name}
          required
          maxLength={100}
          error={fields.name ?? fields.slug}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <Field
          as="select"
          label="Parent"
          name="parent_id"
          value={parent}
          error={fields.parent_id}
          onChange={(event) => setParent(event.currentTarget.value)}
        >
          <ParentOptions tree={tree} />
        </Field>
      </div>
      <Button type="submit" variant="primary" busy={busy}>
        Create category
      </Button>
    </form>
  )
}

function CategoryRow({ category, tree, onChanged }: { category: TreeCategory; tree: TreeCategory[]; onChanged: () => void }) {
  const [editing, setEditing] = useState(false)
  const [name, setName] = useState(category.name)
  const [parent, setParent] = useState(category.parent_id === null ? '' : String(category.parent_id))
  const [confirm, setConfirm] = useState(false)
  const prefix = `category-${category.id}`

  const saving = useSubmit(async () => {
    const parentId = parent ? Number(parent) : null
    const changes = { ...(name !== category.name ? { name } : {}), ...(parentId !== category.parent_id ? { parent_id: parentId } : {}) }
    await updateCategory(category.id, Object.keys(changes).length > 0 ? changes : { name })
    toast(`Saved “${name}”.`)
    setEditing(false)
    onChanged()
  })
  const deleting = useSubmit(async () => {
    try {
      await deleteCategory(category.id)
      toast(`Deleted “${category.name}”.`)
      onChanged()
    } finally {
      setConfirm(false)
    }
  })
  const problem = saving.problem
  const fields = problem?.fields ?? {}

  return (
    <li class={`category-row depth-${Math.min(category.depth, 5)}`}>
      {editing ? (
        <form class="category-edit" aria-label={`Change ${category.name}`} onSubmit={saving.submit}>
          <FormError message={problem && !fields.name && !fields.parent_id && !fields.slug ? problem.message : undefined} />
          <Field
            label={`Name of ${category.name}`}
            name={`${prefix}-name`}
            value={name}
            required
            maxLength={100}
            error={fields.name ?? fields.slug}
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <Field
            as="select"
            label={`Parent of ${category.name}`}
            name={`${prefix}-parent`}
            value={parent}
            error={fields.parent_id}
            onChange={(event) => setParent(event.currentTarget.value)}
          >
            <ParentOptions tree={tree} exclude={subtreeIds(tree, category.id)} />
          </Field>
          <div class="actions">
            <Button type="submit" variant="primary" busy={saving.busy}>
              Save
            </Button>
            <Button
              onClick={() => {
                setEditing(false)
                saving.setProblem(undefined)
                setName(category.name)
              }}
            >
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <div class="category-line">
          <span class="category-name">{category.name}</span> <span class="hint">/{category.slug}</span>
          <span class="actions">
            <Button onClick={() => setEditing(true)} aria-label={`Rename or move ${category.name}`}>
              Rename or move
            </Button>
            <Button variant="danger" onClick={() => setConfirm(true)} aria-label={`Delete ${category.name}`}>
              Delete
            </Button>
          </span>
          {deleting.problem ? (
            <p class="error" role="alert">
              {deleting.problem.message}
            </p>
          ) : null}
        </div>
      )}
      {/* Rendered only while asked: every row's closed dialog would repeat the same heading id. */}
      {confirm ? (
        <Confirm
          open
          title={`Delete “${category.name}”?`}
          confirmLabel="Delete category"
          danger
          busy={deleting.busy}
          onConfirm={() => void deleting.submit()}
          onCancel={() => setConfirm(false)}
        >
          <p>Its products leave it and stay in the shop. A category with sub-categories cannot be deleted: move or delete them first.</p>
        </Confirm>
      ) : null}
    </li>
  )
}
