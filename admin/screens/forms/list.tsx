// The forms list (/admin/forms, editors and admins): each form with its status, how many
// fields it has, how many submissions are still new, its public page and its inbox; cursor paging; "New form".

import { Link } from '../../app/router.tsx'
import type { ScreenProps } from '../../app/routes.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { FormError } from '../../ui/field.tsx'
import { Pager, usePagedList } from '../../ui/pager.tsx'
import { Progress } from '../../ui/progress.tsx'
import { Table } from '../../ui/table.tsx'
import { type FormListItem, listForms, when } from './forms-api.ts'

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
        <Table<FormListItem>
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
              header: 'New',
              class: 'num',
              cell: (form) =>
                form.new_submissions > 0 ? (
                  <Link href={`/admin/forms/${form.id}/submissions?status=new`} class="new-count">
                    {form.new_submissions}
                    <span class="visually-hidden"> new in {form.name}</span>
                  </Link>
                ) : (
                  '0'
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
