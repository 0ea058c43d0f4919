// The forms list (/admin/forms, editors and admins): each form with its status, how many
// fields it has, its public page and its inbox; cursor paging; "New form".

import { Link } from '../../app/router.tsx'
import type { ScreenProps } from '../../app/routes.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { FormError } from '../../ui/field.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { type Form, listForms, when } from './forms-api.ts'

export default function FormsList(_: ScreenProps) {
  const list = usePagedList((cursor) => listForms(cursor), 'forms')
  return (
    <section class="forms-list">
      <div class="screen-head">
        <h1>Forms</h1>
        <Link class="button primary" href="/admin/forms/new">
          New form
        </Link>
      </div>
      <FormError message={list.problem?.message} />
      {list.loading && list.items.length === 0 ? (
        <Progress label="Loading forms…" />
      ) : list.items.length === 0 ? (
        <EmptyState title="No forms yet.">
          <p>Build the first one with “New form”.</p>
        </EmptyState>
      ) : (
        <Table<Form>
          caption="Forms"
          rows={list.items}
          rowKey={(form) => form.id}
          columns={[
            {
              header: 'Name',
              cell: (form) => (
                <Link href={`/admin/forms/${form.id}`} class="row-title">
                  {form.name}
                </Link>
              ),
            },
            {
              header: 'Status',
              cell: (form) => <span class={`status status-form-${form.status}`}>{form.status === 'open' ? 'Open' : 'Closed'}</span>,
            },
            { header: 'Fields', class: 'num', cell: (form) => form.fields.length },
            {
              header: 'Public page',
              cell: (form) =>
                form.status === 'open' ? (
                  <a href={`/forms/${form.slug}`} target="_blank" rel="noopener">
                    /forms/{form.slug}
                  </a>
                ) : (
                  <span class="muted">/forms/{form.slug}</span>
                ),
            },
            {
              header: 'Submissions',
              cell: (form) => (
                <Link href={`/admin/forms/${form.id}/submissions`}>
                  Submissions<span class="visually-hidden"> of {form.name}</span>
                </Link>
              ),
            },
            { header: 'Changed', cell: (form) => when(form.updated_at) },
          ]}
        />
      )}
      <Pager list={list} label="Form pages" />
    </section>
  )
}
