import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildTestApp } from '../../../test/app.ts'
import { updateSiteInfo } from './settings.service.ts'

test('GET /api/v1/site answers the site information from the database', async (t) => {
  const { app, database } = await buildTestApp(t)
  const first = await app.inject({ method: 'GET', url: '/api/v1/site' })
  assert.equal(first.statusCode, 200)
  assert.deepEqual(first.json(), { title: 'My Plinth site', description: 'A new website built on Plinth.', language: 'en' })

  await updateSiteInfo(database.db, { title: 'Bakery Rosa', language: 'it' })
  const second = await app.inject({ method: 'GET', url: '/api/v1/site' })
  assert.deepEqual(second.json(), { title: 'Bakery Rosa', description: 'A new website built on Plinth.', language: 'it' })
})
