/**
 * The words of the demo site (`plinth seed demo`): a small, fixed corpus that
 * seed-demo.ts arranges into posts deterministically. Everything here is made
 * up for the demo; the people, the site and its numbers do not exist. Links
 * point only at long-lived public documentation.
 */

export const SITE = {
  title: 'Harbour Notes',
  description:
    'A small publication about building durable websites: performance, design, writing, and the tools in between. Written by three people who run one modest server.',
  language: 'en',
} as const

export const AUTHORS = [
  { key: 'maya', name: 'Maya Okafor', email: 'maya.okafor@example.com', role: 'editor' },
  { key: 'jonas', name: 'Jonas Lindqvist', email: 'jonas.lindqvist@example.com', role: 'author' },
  { key: 'priya', name: 'Priya Raman', email: 'priya.raman@example.com', role: 'author' },
] as const
export type AuthorKey = (typeof AUTHORS)[number]['key']

export const CATEGORIES = [
  { key: 'engineering', name: 'Engineering' },
  { key: 'design', name: 'Design' },
  { key: 'writing', name: 'Writing' },
  { key: 'notes', name: 'Field notes' },
] as const
export type CategoryKey = (typeof CATEGORIES)[number]['key']

export const TAGS = [
  { key: 'performance', name: 'Performance' },
  { key: 'accessibility', name: 'Accessibility' },
  { key: 'postgresql', name: 'PostgreSQL' },
  { key: 'typography', name: 'Typography' },
  { key: 'caching', name: 'Caching' },
  { key: 'security', name: 'Security' },
  { key: 'tooling', name: 'Tooling' },
  { key: 'markdown', name: 'Markdown' },
] as const
export type TagKey = (typeof TAGS)[number]['key']

export type DemoPost = { title: string; dek: string; category: CategoryKey; tags: TagKey[]; author: AuthorKey }

/** Published posts, oldest first (the seed backdates them in this order). */
export const POSTS: DemoPost[] = [
  {
    title: 'What a 200 ms page budget taught us',
    dek: 'We gave every page a budget of 200 milliseconds on a cold cache, and it changed more than our code.',
    category: 'engineering',
    tags: ['performance', 'postgresql'],
    author: 'jonas',
  },
  {
    title: 'Line length, leading and the patience of readers',
    dek: 'The two typographic settings that matter most for long reading, and how we chose ours.',
    category: 'design',
    tags: ['typography', 'accessibility'],
    author: 'priya',
  },
  {
    title: 'Writing release notes people read',
    dek: 'Release notes are the most-read writing most teams never edit. A few habits that make them worth reading.',
    category: 'writing',
    tags: ['tooling'],
    author: 'maya',
  },
  {
    title: 'Notes from a week without a framework',
    dek: 'For one week we built features with the platform alone. Here is what we missed, and what we did not.',
    category: 'notes',
    tags: ['tooling', 'performance'],
    author: 'jonas',
  },
  {
    title: 'Caching the boring way: ETags, 304s and a little patience',
    dek: 'Before reaching for a cache server, let the browser do the work HTTP already asks it to do.',
    category: 'engineering',
    tags: ['caching', 'performance'],
    author: 'jonas',
  },
  {
    title: 'Designing an archive page people actually use',
    dek: 'Our archive was a paginated afterthought. Rebuilding it as one long, fast page made it our second most visited page.',
    category: 'design',
    tags: ['accessibility'],
    author: 'priya',
  },
  {
    title: 'Drafts, revisions and the fear of publishing',
    dek: 'Keeping every version of a post made our writers braver. A short essay on why undo matters for prose.',
    category: 'writing',
    tags: ['markdown'],
    author: 'maya',
  },
  {
    title: 'A year of running a small site on one server',
    dek: 'Twelve months, one modest machine, and the handful of things that actually went wrong.',
    category: 'notes',
    tags: ['performance', 'postgresql', 'security'],
    author: 'jonas',
  },
  {
    title: 'Reading a PostgreSQL query plan without fear',
    dek: 'EXPLAIN output looks intimidating until you know the three lines worth reading first.',
    category: 'engineering',
    tags: ['postgresql', 'performance'],
    author: 'jonas',
  },
  {
    title: 'Colour contrast is not a matter of taste',
    dek: 'Contrast can be measured, so we measured ours. Half of our greys failed.',
    category: 'design',
    tags: ['accessibility'],
    author: 'priya',
  },
  {
    title: 'How we edit each other’s posts',
    dek: 'The rules we follow when one of us edits another’s draft, written down after a few bruised egos.',
    category: 'writing',
    tags: ['markdown'],
    author: 'maya',
  },
  {
    title: 'What we learned moving to Markdown',
    dek: 'Converting eight years of posts to Markdown took a month and taught us more about our archive than any audit.',
    category: 'notes',
    tags: ['markdown', 'tooling'],
    author: 'maya',
  },
  {
    title: 'The case for plain SQL in a small codebase',
    dek: 'Why we write our queries by hand, and the two rules that keep that from becoming a mess.',
    category: 'engineering',
    tags: ['postgresql', 'tooling'],
    author: 'jonas',
  },
  {
    title: 'The humble table deserves better',
    dek: 'Tables are where data goes to be misunderstood. A few small rules make them readable again.',
    category: 'design',
    tags: ['typography', 'accessibility'],
    author: 'priya',
  },
  {
    title: 'Headlines that say what the post says',
    dek: 'A clever headline that does not describe the piece is a small broken promise to every reader.',
    category: 'writing',
    tags: ['typography'],
    author: 'maya',
  },
  {
    title: 'Migrating a decade of posts',
    dek: 'Old URLs, missing images and a spreadsheet of redirects: the unglamorous story of our archive migration.',
    category: 'notes',
    tags: ['tooling', 'markdown'],
    author: 'jonas',
  },
  {
    title: 'Why our images are content-addressed',
    dek: 'Naming every file after a hash of its bytes made caching trivial and deleting things safe.',
    category: 'engineering',
    tags: ['caching', 'performance', 'security'],
    author: 'jonas',
  },
  {
    title: 'Focus styles: a small kindness',
    dek: 'Removing the focus outline is one of the most common accessibility mistakes, and one of the easiest to undo.',
    category: 'design',
    tags: ['accessibility'],
    author: 'priya',
  },
  {
    title: 'Footnotes, asides and other detours',
    dek: 'When a thought deserves to be kept but not to interrupt, it goes in a footnote. Mostly.',
    category: 'writing',
    tags: ['markdown', 'typography'],
    author: 'maya',
  },
  {
    title: 'Tools on my desk this spring',
    dek: 'A short, honest list of the tools we reach for every day, and a few we stopped using.',
    category: 'notes',
    tags: ['tooling'],
    author: 'priya',
  },
  {
    title: 'Graceful shutdown is a feature',
    dek: 'A process that stops cleanly is a process you can deploy at any time of day. Here is how ours stops.',
    category: 'engineering',
    tags: ['tooling', 'security'],
    author: 'jonas',
  },
  {
    title: 'Choosing a type scale for long reading',
    dek: 'Five sizes, one ratio, and the discipline to use nothing else.',
    category: 'design',
    tags: ['typography'],
    author: 'priya',
  },
  {
    title: 'A style guide that fits on one page',
    dek: 'Our house style covers the decisions that come up every week, and nothing else. It fits on one page.',
    category: 'writing',
    tags: ['markdown'],
    author: 'maya',
  },
  {
    title: 'Reader mail, answered',
    dek: 'Questions from readers about our setup, our writing process and our stubborn refusal to add comments.',
    category: 'notes',
    tags: ['postgresql', 'security'],
    author: 'maya',
  },
  {
    title: 'A field guide to slow requests',
    dek: 'Where the time goes in a slow request, in the order we check, with the commands we use.',
    category: 'engineering',
    tags: ['performance', 'postgresql', 'caching'],
    author: 'jonas',
  },
  {
    title: 'Navigation for sites with more than ten pages',
    dek: 'Menus grow until nobody can use them. How we keep ours short without hiding anything.',
    category: 'design',
    tags: ['accessibility'],
    author: 'priya',
  },
  {
    title: 'Writing for people who skim',
    dek: 'Most readers skim before they read. Writing for them makes the piece better for everyone else too.',
    category: 'writing',
    tags: ['typography'],
    author: 'maya',
  },
  {
    title: 'Three small wins from last month',
    dek: 'A faster archive, fewer broken links and a backup we finally restored. Small things, happily done.',
    category: 'notes',
    tags: ['performance', 'postgresql'],
    author: 'jonas',
  },
  {
    title: 'Rate limits that do not punish your readers',
    dek: 'Limits exist to stop abuse, not to slow down people who click quickly. Getting the difference right.',
    category: 'engineering',
    tags: ['security', 'performance'],
    author: 'jonas',
  },
  {
    title: 'Dark mode without the guesswork',
    dek: 'A dark theme is a second palette, not an inverted one. How we built ours and checked every pair.',
    category: 'design',
    tags: ['accessibility', 'typography'],
    author: 'priya',
  },
  {
    title: 'The quiet power of a good excerpt',
    dek: 'The excerpt is the most-read sentence on the site. We finally started writing ours on purpose.',
    category: 'writing',
    tags: ['markdown'],
    author: 'maya',
  },
  {
    title: 'Backups you have actually restored',
    dek: 'A backup is a hope until it has been restored. Our monthly fifteen-minute drill, step by step.',
    category: 'engineering',
    tags: ['postgresql', 'security'],
    author: 'jonas',
  },
  {
    title: 'Images that load when they should',
    dek: 'Responsive sources, modern formats and explicit dimensions: the three changes that calmed our pages down.',
    category: 'design',
    tags: ['performance', 'caching'],
    author: 'priya',
  },
  {
    title: 'Documentation is a product, too',
    dek: 'Documentation has users, bugs and releases. Treating it that way changed how often ours is right.',
    category: 'writing',
    tags: ['tooling', 'markdown'],
    author: 'maya',
  },
  {
    title: 'Measuring what the server really spends',
    dek: 'Requests per second depend on the load generator. CPU time per request does not, so that is what we track.',
    category: 'engineering',
    tags: ['performance', 'tooling'],
    author: 'jonas',
  },
  {
    title: 'Upgrading dependencies on a quiet Tuesday',
    dek: 'One dependency at a time, changelog first, tests always: the dull routine that keeps upgrades dull.',
    category: 'notes',
    tags: ['tooling', 'security'],
    author: 'priya',
  },
]

export const DRAFTS: DemoPost[] = [
  {
    title: 'Half-finished thoughts on comment sections',
    dek: 'We keep not adding comments. These are the reasons, not yet in order.',
    category: 'notes',
    tags: ['security'],
    author: 'priya',
  },
  {
    title: 'An honest review of our build pipeline',
    dek: 'Four minutes from commit to production, and the two steps that take three of them.',
    category: 'engineering',
    tags: ['tooling', 'performance'],
    author: 'jonas',
  },
]

export const SCHEDULED: DemoPost = {
  title: 'Planning the autumn reading list',
  dek: 'The books, papers and long essays we plan to read this autumn, and why each one made the list.',
  category: 'writing',
  tags: ['typography'],
  author: 'maya',
}

/** Paragraphs any post may use. */
export const GENERAL_PARAGRAPHS = [
  'Most of the work on a small site is not glamorous. It is renaming things until they make sense, deleting code that nobody calls, and writing down why a decision was made so that the next person does not have to rediscover it. None of that shows up in a screenshot, but all of it shows up in how the site feels to the people who run it a year later.',
  'We try to measure before we change anything. A number taken on a quiet afternoon is worth more than a hunch formed during an outage, and it is the only way to know afterwards whether a change helped. The measurement does not need to be sophisticated; it needs to be repeatable, written down, and taken the same way every time.',
  'There is a temptation to solve the problem we would like to have rather than the one in front of us. A site with a few thousand readers a day does not need the architecture of a site with a few million. It needs to be easy to understand, cheap to run, and quick to fix when something goes wrong on a Sunday evening.',
  'Every feature carries a maintenance cost that is easy to ignore on the day it ships. We now ask a simple question before we add anything: who will look after this in two years, and what will they need to know? If nobody can answer, the feature waits until somebody can.',
  'Readers notice consistency long before they notice cleverness. When every page loads the same way, every link goes where it says, and every date is written in the same format, the site fades into the background and the writing comes forward. That is the whole point.',
  'It helps to keep a short log of what changed and why. Ours is a plain text file in the repository, one line per change, with a date and a name. It has settled more arguments than any meeting, and it makes the monthly review take ten minutes instead of an hour.',
  'Small teams have one real advantage: the distance between noticing a problem and fixing it is short. We try to protect that. Fewer layers, fewer handoffs and fewer tools mean that the person who sees the typo, the slow page or the broken link can usually fix it the same day.',
  'When something breaks, we write a short note afterwards: what happened, how we noticed, what we changed, and what we will watch for next time. Nobody is blamed in these notes. The aim is to make the next incident shorter, not to find someone to hold responsible for the last one.',
  'Defaults matter more than options. Most people never change a setting, so the behaviour a site has out of the box is the behaviour most of its readers will experience. We spend more time choosing sensible defaults than adding switches, and we rarely regret it.',
  'None of this is new. Most of what we practise was written down years ago by people who ran far larger systems than ours, and the best thing we have done is read their notes. We link to the ones that helped us most at the end of several posts on this site.',
]

/** Paragraphs on each category's subject. */
export const CATEGORY_PARAGRAPHS: Record<CategoryKey, string[]> = {
  engineering: [
    'The first thing we look at on a slow page is the number of database queries it makes. A list of twenty posts that issues twenty-one queries is the classic mistake, and it hides well in development, where the database sits on the same machine. Loading the related rows with one join, or one query with `= any($1)`, usually turns a slow page into a fast one without any caching at all.',
    'An `ETag` is a fingerprint of a response. When a browser already holds a copy, it sends the fingerprint back in `If-None-Match`, and the server can answer `304 Not Modified` with no body at all. The server still builds the response, but the reader’s connection carries a few hundred bytes instead of a few hundred kilobytes.',
    'PostgreSQL’s `EXPLAIN (ANALYZE, BUFFERS)` is the most useful performance tool we know. It shows what the planner chose, how long each step really took, and how much data it read from memory or from disk. The [documentation on using EXPLAIN](https://www.postgresql.org/docs/current/using-explain.html) is long, but its first page alone will make you better at this.',
    'We write our queries by hand, with explicit column lists and parameters. It is more typing than a query builder, but the SQL that runs is the SQL that was reviewed, and nobody has to guess what a chain of method calls will turn into. When a query is slow, we can paste it straight into `psql` and start from there.',
    'A process that stops cleanly is a process you can deploy at any time. On a signal, ours stops accepting new connections, lets the requests in flight finish, waits for background jobs to reach a safe point, and only then closes the database. The load balancer checks the readiness probe, notices within a second, and sends traffic elsewhere.',
    'Content-addressed storage means a file is named after a hash of its bytes. The same image uploaded twice is stored once, a name never changes meaning, and every public URL can be cached by browsers and proxies for a year. The only cost is that an edit produces a new file, which is exactly what a cache needs anyway.',
    'Averages hide the requests that hurt. We watch the 99th percentile latency instead, because that is what one reader in a hundred experiences on every page, and a busy reader loads many pages. A change that improves the average while making the tail worse is usually a change we revert.',
    'Background jobs live in the database next to everything else. A job is a row; a worker claims it with `FOR UPDATE SKIP LOCKED`, does the work, and marks it done. It is not the fastest queue in the world, but it survives restarts, it shares the database’s backups, and it is one less system to run.',
    'A backup you have not restored is a hope, not a backup. Once a month we restore last night’s dump into a scratch database, start the site against it, and click through a few pages. It takes fifteen minutes, and it has caught two problems that would otherwise have surfaced at the worst possible moment.',
    'Dependencies are other people’s code that we have agreed to maintain. We keep the list short, read the changelog before every upgrade, and upgrade one thing at a time, so that when something breaks we know which change to blame. Lock files are committed, and the test suite runs on every change.',
  ],
  design: [
    'A comfortable line of text holds somewhere between sixty and seventy-five characters. Longer lines make the eye work hard to find the start of the next one; shorter lines break the rhythm of reading. Setting a `max-width` in `ch` units on the article body is one of the cheapest improvements a reading site can make.',
    'Contrast is a measurable property, not a matter of taste. The [WCAG contrast guidelines](https://www.w3.org/WAI/WCAG22/Understanding/contrast-minimum.html) ask for a ratio of at least 4.5 to 1 for body text, and light grey text on a white background fails that test far more often than designers expect. We checked every colour pair in the palette once, wrote the ratios down, and stopped arguing about it.',
    'An archive page is where long-time readers go to find the post they half remember. It should load quickly, list everything, and be easy to scan: a title, a date and perhaps a category per line, grouped by year. Pagination is the enemy here; a single long page that the browser can search is far more useful.',
    'Focus styles tell keyboard users where they are. Removing the outline because it looks untidy is one of the most common accessibility mistakes on the web, and one of the easiest to fix. A clear, high-contrast ring on `:focus-visible` keeps the page tidy for mouse users and usable for everyone else.',
    'Tables are for data, and data deserves care. Align numbers to the right so that their digits line up, give every column a header, and keep the borders light. A table that can be read at a glance saves a paragraph of prose, and a screen reader can move through it cell by cell.',
    'Images should arrive at the size they are shown. A responsive `srcset` lets the browser pick a file that fits the screen, modern formats such as AVIF and WebP cut the bytes further, and explicit width and height attributes stop the text from jumping as the image loads. Together they make a page feel calm. The [web.dev course on images](https://web.dev/learn/images) covers the details well.',
    'A type scale is a short list of sizes that work together. We use five: body text, a slightly smaller size for captions and metadata, and three heading sizes. Every new component has to fit one of them. The constraint sounds limiting, but it is the reason the site looks like one site and not a collection of pages.',
    'Navigation should answer two questions: where am I, and where can I go from here? A short top menu, a clear page title and a few related links at the end of each post cover most of it. Everything else belongs on a well-organised archive or a search page, not in a menu that grows with every new section.',
  ],
  writing: [
    'The first draft is for the writer; every draft after that is for the reader. We write the first one quickly and without worrying about structure, then put it away for a day. The second pass is where the real work happens: cutting the throat-clearing at the start, moving the point to the top, and removing every sentence that only exists because it was fun to write.',
    'A good headline says what the post says. It is tempting to be clever, but a clever headline that does not describe the piece is a small broken promise, and readers who arrive from a search result notice. We test headlines by reading them aloud next to the first paragraph: if they do not match, one of them changes.',
    'Editing someone else’s writing is a delicate job. We comment on the text, never on the writer, and we separate the changes that matter from the ones that are only preference. Every suggestion comes with a reason, and the author has the final word on anything that is not a factual error.',
    'Most readers skim before they decide to read. Short paragraphs, descriptive subheadings and a clear first sentence in each section let them find what they came for. None of this makes the writing shallower; it makes it easier to enter, and readers who feel welcome tend to stay for the whole piece.',
    'Footnotes are for the detour that would break the flow of the main text: a source, a caveat, a story that is too good to cut. Used sparingly, they reward the curious reader without slowing down everyone else. Used for every aside, they turn an essay into a treasure hunt.',
    'Our style guide fits on one page. It covers the decisions that come up every week: how we write dates and numbers, which words we capitalise, when we use the serial comma, and how we refer to readers. Anything that comes up less often than once a month does not need a rule.',
    'An excerpt is a promise about the post. It appears in lists, feeds and search results, often without the headline’s context, so it has to stand on its own. We write it last, in one or two plain sentences, and we never let it default to the first paragraph.',
    'Revision history changes how people write. Knowing that every earlier version is kept, and that a change can be undone in one step, makes writers braver. They cut harder and try more, because a mistake is no longer permanent. It is one of the few tools that improves writing directly.',
  ],
  notes: [
    'This month we spent most of our time on unglamorous things: tidying the archive, fixing broken links in old posts, and answering reader mail. None of it was planned, all of it was overdue, and the site is noticeably better for it. We will write about the broken links separately, because there were more of them than we expected.',
    'We run the whole site on one small server. It has two cores, a few gigabytes of memory, and a database that fits comfortably in that memory. It serves every page in a few milliseconds, and it costs less per month than a nice lunch. We keep waiting for the day we outgrow it; it has not come yet.',
    'Moving old posts to Markdown was slower than we hoped and more rewarding than we expected. Each post had to be read, converted and checked, and along the way we found dead links, missing images and paragraphs that no longer made sense. The archive is smaller now, and every post in it is one we are happy to stand behind.',
    'Several readers wrote in to ask about our setup. The short answer is that it is deliberately boring: a single application process, a PostgreSQL database, files on disk, and a reverse proxy in front. The long answer is spread across several posts on this site, which we have started to link together at the end of each one.',
    'Some weeks the most useful thing we can do is nothing new. We read old posts, answer questions, and fix the small things that make reading pleasant. It is not the kind of work that earns a headline, but it is the kind readers notice, and several wrote to say so.',
    'A reminder to ourselves as much as anyone: the site exists for its readers. Every technical decision we write about here is in service of pages that load quickly, read comfortably and stay where they are. When a decision does not serve that, it is the wrong decision, however interesting it is.',
  ],
}

export const HEADINGS: Record<CategoryKey, string[]> = {
  engineering: [
    'Start with a measurement',
    'Where the time goes',
    'What we tried first',
    'The fix we chose',
    'Numbers before and after',
    'Trade-offs',
    'What we would do differently',
    'In practice',
  ],
  design: [
    'The problem',
    'What readers told us',
    'A few rules',
    'Details that matter',
    'Checking our work',
    'What we left out',
    'Small changes, big difference',
  ],
  writing: ['Why it matters', 'How we do it', 'A worked example', 'Common mistakes', 'Questions we ask', 'What changed', 'A note on tone'],
  notes: ['What happened', 'What went well', 'What we would change', 'Odds and ends', 'Next month', 'Thanks'],
}

export const BULLET_LISTS = [
  [
    'Measure first, and write the number down.',
    'Change one thing at a time.',
    'Measure again, the same way.',
    'Keep the change only if the number moved.',
  ],
  [
    'Use explicit column lists in every query.',
    'Load related rows with one join, not one query per row.',
    'Add an index for every foreign key you filter on.',
    'Check the plan with `EXPLAIN ANALYZE` before and after.',
  ],
  [
    'Body text at a contrast of 4.5:1 or better.',
    'A visible focus ring on every interactive element.',
    'Alt text that describes what the image is for.',
    'Headings in order, without skipping levels.',
  ],
  ['Lead with the point.', 'One idea per paragraph.', 'Descriptive subheadings.', 'An excerpt that stands on its own.'],
  [
    'A restored backup, once a month.',
    'An alert when the disk is 80% full.',
    'A readiness probe the load balancer checks.',
    'A runbook with the five commands we always forget.',
  ],
  [
    'Titles in sentence case.',
    'Dates written as 4 March 2024.',
    'Numbers one to nine in words, 10 and above in digits.',
    'The serial comma, always.',
  ],
  [
    'Fixed 140 broken links in the archive.',
    'Added alt text to 60 older images.',
    'Answered every reader email from the spring.',
    'Removed two plugins nobody used.',
  ],
  [
    'Cache responses that are the same for everyone.',
    'Never cache anything that depends on a cookie.',
    'Invalidate on write, not on a timer.',
    'Prefer an `ETag` and a `304` to guessing a `max-age`.',
  ],
]

export const ORDERED_LISTS = [
  [
    'Open the slow page with the network panel recording.',
    'Find the request that takes longest to start responding.',
    'Reproduce it with `curl` and note the time.',
    'Look at the queries it runs, and at their plans.',
    'Fix the worst one, then start again from the top.',
  ],
  [
    'Write the draft without stopping.',
    'Leave it for a day.',
    'Cut the first paragraph.',
    'Read it aloud.',
    'Ask someone else to read it.',
  ],
  [
    'Stop accepting new connections.',
    'Report “not ready” to the load balancer.',
    'Finish the requests in flight.',
    'Let running jobs reach a safe point.',
    'Close the database and exit.',
  ],
  [
    'Pick a base size for body text.',
    'Choose a ratio between steps, such as 1.25.',
    'Derive the heading sizes from it.',
    'Round to whole pixels and write them down.',
    'Use nothing else.',
  ],
  [
    'Dump the old database.',
    'Convert each post and check it by eye.',
    'Keep a list of redirects from the old URLs.',
    'Import, then click through the archive.',
    'Switch over on a quiet morning.',
  ],
]

export const TABLES = [
  `| Page | Before (ms) | After (ms) |
| :--- | ---: | ---: |
| Home | 180 | 24 |
| Post | 140 | 18 |
| Archive | 420 | 35 |
| Feed | 95 | 12 |`,
  `| Colour pair | Ratio | Body text (AA) |
| :--- | ---: | :---: |
| Ink on paper | 15.3:1 | yes |
| Slate on paper | 7.1:1 | yes |
| Mist on paper | 2.9:1 | no |
| Link blue on paper | 5.6:1 | yes |`,
  `| Role | Size | Line height |
| :--- | ---: | ---: |
| Caption | 14 px | 1.4 |
| Body | 18 px | 1.6 |
| Heading 3 | 22 px | 1.3 |
| Heading 2 | 28 px | 1.25 |
| Heading 1 | 36 px | 1.2 |`,
  `| Response | Cache-Control | Why |
| :--- | :--- | :--- |
| Media file | public, max-age=31536000, immutable | its name is its hash |
| Post page | no-cache, with an ETag | changes when edited |
| Account pages | private, no-store | personal |`,
  `| Month | Posts | Reader emails | Uptime |
| :--- | ---: | ---: | ---: |
| January | 4 | 31 | 100% |
| February | 3 | 18 | 99.98% |
| March | 5 | 42 | 100% |
| April | 4 | 27 | 99.95% |`,
  `| Format | Size at 1280 px | Browser support |
| :--- | ---: | :--- |
| JPEG | 214 KB | everywhere |
| WebP | 121 KB | every current browser |
| AVIF | 74 KB | every current browser |`,
]

export const CODE_BLOCKS = [
  `\`\`\`sql
EXPLAIN (ANALYZE, BUFFERS)
SELECT id, title, published_at
FROM posts
WHERE status = 'published'
ORDER BY published_at DESC
LIMIT 20;
\`\`\``,
  `\`\`\`ts
// Ask again only for what changed: the server answers 304 with no body.
async function fetchFresh(url: string, etag?: string) {
  const response = await fetch(url, { headers: etag ? { 'if-none-match': etag } : {} })
  if (response.status === 304) return undefined
  return { etag: response.headers.get('etag') ?? undefined, body: await response.json() }
}
\`\`\``,
  `\`\`\`sh
# The first request gets the page and its ETag; the second sends it back.
curl -sI https://example.com/blog/hello-world | grep -i etag
curl -sI -H 'If-None-Match: "5d41402abc4b2a76"' https://example.com/blog/hello-world
\`\`\``,
  `\`\`\`css
.prose {
  max-width: 68ch;
  line-height: 1.6;
  font-size: 1.125rem;
}

:focus-visible {
  outline: 3px solid #1d4ed8;
  outline-offset: 2px;
}
\`\`\``,
  `\`\`\`sh
# Last night's dump into a scratch database, then start the site against it.
createdb restore_check
pg_restore --no-owner --dbname=restore_check /backups/site-latest.dump
DATABASE_URL=postgres://localhost/restore_check npm start
\`\`\``,
  `\`\`\`json
{
  "data": [
    { "id": 42, "title": "What a 200 ms page budget taught us", "slug": "what-a-200-ms-page-budget-taught-us" }
  ],
  "next_cursor": "NDI"
}
\`\`\``,
  `\`\`\`markdown
Footnotes keep the detour out of the way.[^aside]

[^aside]: Like this one.
\`\`\``,
]

export const QUOTES = [
  'Make it work, make it right, make it fast — and most of the time, stop after the second step.',
  'The fastest request is the one the browser never has to make.',
  'If you cannot explain the change in one sentence, it is two changes.',
  'Write for the reader who arrives tired, on a phone, from a search result.',
  'A default is a decision you make for everyone who never opens the settings.',
  'Every page on the site is somebody’s first page.',
]

export const FOOTNOTES = [
  'Measured on the same two-core server, with the page cache cleared before each run.',
  'We tried three other approaches first. None of them survived a week of real traffic.',
  'This is a rule of thumb, not a law; a few of our best posts break it.',
  'The numbers are from our own logs and rounded; they are meant to show the shape, not to be quoted.',
  'Thanks to the readers who wrote in about this; two of them spotted the problem before we did.',
  'The old version is still in the revision history, if you are curious how it read.',
]

export const FURTHER_READING = [
  '[MDN: HTTP caching](https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/Caching)',
  '[PostgreSQL: Using EXPLAIN](https://www.postgresql.org/docs/current/using-explain.html)',
  '[web.dev: Learn Images](https://web.dev/learn/images)',
  '[WCAG 2.2: Understanding the success criteria](https://www.w3.org/WAI/WCAG22/Understanding/)',
  '[Practical Typography](https://practicaltypography.com/)',
  '[The Markdown Guide](https://www.markdownguide.org/)',
]

/** Charts embedded in some posts, drawn by demo.images.ts. Values are made up. */
export const FIGURES = [
  {
    title: 'Median response time, ms',
    bars: [
      ['Home', 180, 24],
      ['Post', 140, 18],
      ['Archive', 420, 35],
      ['Feed', 95, 12],
    ],
    alt: 'Bar chart of median response times before and after: home 180 to 24 ms, post 140 to 18 ms, archive 420 to 35 ms, feed 95 to 12 ms.',
  },
  {
    title: 'Page weight, KB',
    bars: [
      ['Home', 1240, 310],
      ['Post', 980, 260],
      ['Archive', 640, 120],
      ['About', 820, 190],
    ],
    alt: 'Bar chart of page weight before and after: home 1240 to 310 KB, post 980 to 260 KB, archive 640 to 120 KB, about 820 to 190 KB.',
  },
  {
    title: 'Reader emails per month',
    bars: [
      ['Jan', 31, 0],
      ['Feb', 18, 0],
      ['Mar', 42, 0],
      ['Apr', 27, 0],
      ['May', 35, 0],
    ],
    alt: 'Bar chart of reader emails per month: 31 in January, 18 in February, 42 in March, 27 in April and 35 in May.',
  },
  {
    title: 'Queries per page',
    bars: [
      ['Home', 22, 3],
      ['Post', 9, 2],
      ['Tag page', 21, 3],
      ['Feed', 41, 2],
    ],
    alt: 'Bar chart of database queries per page before and after: home 22 to 3, post 9 to 2, tag page 21 to 3, feed 41 to 2.',
  },
] as const

export type DemoPage = { title: string; slug: string; excerpt: string; body: string }

export const PAGES: DemoPage[] = [
  {
    title: 'About',
    slug: 'about',
    excerpt: 'Who writes Harbour Notes, and why.',
    body: `Harbour Notes is a small publication about building websites that last: fast pages, readable type, honest writing and the dull tools that make all three possible.

## Who we are

- **Maya Okafor** edits the site and writes about writing. She has spent fifteen years turning engineers’ drafts into things people finish reading.
- **Jonas Lindqvist** looks after the server, the database and the deploys, and writes the engineering posts.
- **Priya Raman** designs the site and writes about type, colour and the details that make pages calm.

## What we write about

Roughly one post a week, in four categories: Engineering, Design, Writing and Field notes. We write about what we have tried on this site, with real numbers where we have them.

## What we do not do

There are no ads, no trackers and no comment section. If you would like to reply to a post, [write to us](/contact); we read everything.`,
  },
  {
    title: 'Contact',
    slug: 'contact',
    excerpt: 'How to reach us.',
    body: `The best way to reach us is by email: [hello@example.com](mailto:hello@example.com). We answer most messages within a week.

## Corrections

If you spot a mistake in a post, tell us at [corrections@example.com](mailto:corrections@example.com). We fix errors in place and note the change at the end of the post.

## Post

Harbour Notes
12 Quay Street
Exampleton EX1 2AB

Please do not send us anything that needs a signature.`,
  },
  {
    title: 'Privacy policy',
    slug: 'privacy-policy',
    excerpt: 'What we collect (very little), why, and for how long.',
    body: `We try to collect as little as we can. This page lists all of it.

## What we collect

| What | Why | Kept for |
| :--- | :--- | :--- |
| Server logs (address, page, time) | to find errors and abuse | 14 days |
| Your email, if you subscribe | to send the newsletter | until you unsubscribe |
| Emails you send us | to answer them | two years |

## What we do not collect

We use no analytics service, no advertising networks and no third-party fonts or scripts. Pages set no cookies unless you sign in.

## Your rights

You can ask us what we hold about you, and ask us to delete it, at [privacy@example.com](mailto:privacy@example.com). We will answer within thirty days.

*Last updated: this page changes only when our practice does.*`,
  },
  {
    title: 'Colophon',
    slug: 'colophon',
    excerpt: 'How this site is made.',
    body: `Harbour Notes runs on Plinth, a self-hosted website backend, with a PostgreSQL database on one small server.

## Type and colour

Body text is set at 18 pixels with a line height of 1.6 and a measure of about 68 characters. The palette has five colours, each checked for contrast against the paper colour; the [table of ratios](/blog/colour-contrast-is-not-a-matter-of-taste) is in one of our posts.

## Images

Every image is stored once, named after a hash of its bytes, with its metadata removed. Readers get a size that fits their screen, in AVIF or WebP where the browser supports it.

## Writing

Posts are written in Markdown, reviewed by one other person, and kept with their full revision history.`,
  },
  {
    title: 'FAQ',
    slug: 'faq',
    excerpt: 'Answers to the questions readers ask most.',
    body: `## Can I republish a post?

Please ask first at [hello@example.com](mailto:hello@example.com). We usually say yes for non-commercial use with a link back.

## Why are there no comments?

Moderating comments well takes more time than we have, and moderating them badly is worse than not having them. Replies by email are welcome, and we publish the interesting ones in [Reader mail, answered](/blog/reader-mail-answered).

## Is there a feed?

Yes: every post appears in the site’s feed as soon as it is published.

## Do you take guest posts?

Occasionally. Send a short outline first, not a finished draft.

## How often do you publish?

About once a week, usually on Tuesday mornings.`,
  },
  {
    title: 'Newsletter',
    slug: 'newsletter',
    excerpt: 'One email a month with the new posts and a few links we liked.',
    body: `Once a month we send a short email with the month’s posts, one or two things we read and liked, and nothing else.

## What you get

1. The new posts, each with its excerpt.
2. Two or three links worth your time.
3. A note on what we are working on next.

## What you do not get

No tracking pixels, no sponsored links, and no selling of your address. Every email has a one-click unsubscribe link.

To subscribe, [send us an email](mailto:newsletter@example.com?subject=Subscribe) with the subject “Subscribe”.`,
  },
]
