/**
 * Section "growth": whether listing a tenant's files costs the same in a tenant of 50,000 files as in
 * one of 1,000. Every filtered list is one Query on its own index partition, so it should not grow.
 *
 * Both tenants live in one table of DynamoDB Local and are listed through the real code path (the
 * domain's listFiles over DynamoFileQueries, then toApiFile as the handler shapes the answer),
 * calls alternating between the two tenants in a fresh order each round. In each tenant the same
 * number of files (HOT_FILES) carries the tag and the link that are listed, so the only difference
 * is the tenant's size.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type BatchWriteCommandOutput, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoFileQueries } from '../../lambdas/adapters/dynamo-file-queries';
import { DynamoFileRepository } from '../../lambdas/adapters/dynamo-file-repository';
import { createFile, listFiles, type NewFile } from '../../lambdas/domain/files/files';
import { toApiFile } from '../../lambdas/http/answers';
import { FileTypeCatalogue } from '../../lambdas/domain/files/file-types';
import { readFileTypeCatalogue } from '../../lambdas/file-type-catalogue';
import type { ListFilter, Principal } from '../../lambdas/domain/model';
import type { Deps, ObjectStore, QueryDeps, SettingsRepository, Telemetry } from '../../lambdas/domain/ports';
import { startDynamoDb } from '../../local/emulators/dynamodb';
import { ensureTable } from '../../local/provision';
import type { Figure, Section } from '../figures';
import { distribution, ratio, round, shuffled } from '../stats';

const SECTION = 'growth';
const TABLE = 'fileport-bench-growth';
/** Files per tenant that carry the listed tag and link: constant, so only the tenant's size varies. */
const HOT_FILES = 100;
const HOT_TAG = 'due-diligence';
const HOT_LINK = { type: 'case', id: 'HOT-1' };
/** The API's default page size. */
const PAGE = 25;
/** Background tags, each on 1/TAG_POOL of a tenant's files: index partitions of realistic size. */
const TAG_POOL = 50;
/** BatchWrite requests in flight while seeding (measured on 2 cores: 8 → 2,500 items/s, 32 → 3,000). */
const SEED_CONCURRENCY = 16;
const TARGET = 1.5;

const noObjects = new Proxy({} as ObjectStore, {
  get: () => () => Promise.reject(new Error('The growth bench lists files only; it touches no object.')),
});
// Creating a file reads the tenant's allowed types: the bench's tenants have no settings.
const noSettings: SettingsRepository = {
  get: async () => undefined,
  getForUpdate: () => Promise.reject(new Error('The growth bench lists files only; it changes no settings.')),
  put: () => Promise.reject(new Error('The growth bench lists files only; it writes no settings.')),
};
const fileTypes = new FileTypeCatalogue(readFileTypeCatalogue(join(__dirname, '..', '..', 'config', 'file-types.json')));
const noTelemetry = new Proxy({} as Telemetry, {
  get: () => () => {
    throw new Error('The growth bench lists files only; it counts nothing.');
  },
});

/**
 * A stand-in for the document client that keeps the items the repository writes instead of sending
 * them. The repository has no batch API, and its key and item builders are private: recording what
 * `create` writes seeds exactly its item shapes (the file item and one index item per tag and link)
 * without restating the table schema here.
 */
class ItemRecorder {
  readonly items: Record<string, unknown>[] = [];

  async send(command: unknown): Promise<object> {
    if (command instanceof PutCommand) {
      this.items.push(command.input.Item as Record<string, unknown>);
    } else if (command instanceof BatchWriteCommand) {
      for (const request of command.input.RequestItems?.[TABLE] ?? []) {
        if (!request.PutRequest?.Item) throw new Error('The repository deleted items while creating a file: the recorder cannot stand in for that.');
        this.items.push(request.PutRequest.Item);
      }
    } else {
      throw new Error(`The repository sent ${(command as object).constructor.name} while creating a file; the recorder knows only puts.`);
    }
    return {};
  }
}

/**
 * `count` files of one tenant made by the domain's createFile, every (count / HOT_FILES)th one with the
 * hot tag and link, spread over the tenant's history (createdAt one minute apart, the newest last).
 */
async function recordTenant(tenantId: string, count: number): Promise<Record<string, unknown>[]> {
  const recorder = new ItemRecorder();
  const repository = new DynamoFileRepository(recorder as unknown as DynamoDBDocumentClient, TABLE);
  const principal: Principal = { tenantId, userId: 'seed', scopes: new Set(['files:write']) };
  const start = Date.UTC(2024, 0, 1);
  const every = Math.floor(count / HOT_FILES);
  for (let i = 0; i < count; i++) {
    const hot = i % every === every - 1;
    const file: NewFile = {
      name: `Document ${i + 1}.pdf`,
      fileTypeId: 'pdf',
      tags: [`topic-${i % TAG_POOL}`, ...(hot ? [HOT_TAG] : [])],
      links: [{ type: 'contract', id: `C-${i + 1}` }, ...(hot ? [HOT_LINK] : [])],
    };
    const deps: Deps = { files: repository, objects: noObjects, settings: noSettings, telemetry: noTelemetry, fileTypes, now: () => new Date(start + i * 60_000) };
    // Pending files expire (temporary files): these must outlive the run, dated as they are.
    await createFile(deps, principal, file, { pendingTtlSeconds: 10 * 365 * 86_400 });
  }
  return recorder.items;
}

/**
 * Writes `items` 25 to a BatchWrite, SEED_CONCURRENCY at a time. The repository's create makes the
 * file item's put conditional on a new id; the ids here are fresh UUIDs, so plain puts do the same.
 */
async function seed(db: DynamoDBDocumentClient, items: Record<string, unknown>[]): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending = (batches[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
        const result: BatchWriteCommandOutput = await db.send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending } }));
        pending = (result.UnprocessedItems?.[TABLE] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
}

interface Scenario {
  name: string;
  /** One timed operation; returns how many files it listed, so that a broken setup shows. */
  run: (deps: QueryDeps, principal: Principal) => Promise<number>;
  expected: number;
  /** How many of the tenant's files the query selects. */
  matching: (tenantSize: number) => number;
}

/** One list call as the handler makes it: the domain call, then the API's shape of each file. */
async function listPage(deps: QueryDeps, principal: Principal, filter?: ListFilter, cursor?: string) {
  const page = await listFiles(deps, principal, { limit: PAGE, filter, ...(cursor ? { cursor } : {}) });
  JSON.stringify({ items: page.items.map((file) => toApiFile(file, 'https://api.example', fileTypes)), nextCursor: page.nextCursor });
  return page;
}

const byTag: ListFilter = { kind: 'tag', tag: HOT_TAG };
const byLink: ListFilter = { kind: 'link', link: HOT_LINK };

const scenarios: Scenario[] = [
  { name: `list by tag, first page of ${PAGE}`, expected: PAGE, matching: () => HOT_FILES, run: async (d, p) => (await listPage(d, p, byTag)).items.length },
  { name: `list by link, first page of ${PAGE}`, expected: PAGE, matching: () => HOT_FILES, run: async (d, p) => (await listPage(d, p, byLink)).items.length },
  { name: `list unfiltered, first page of ${PAGE}`, expected: PAGE, matching: (size) => size, run: async (d, p) => (await listPage(d, p)).items.length },
  {
    name: `list by tag, all ${HOT_FILES} matches (pages of ${PAGE})`,
    expected: HOT_FILES,
    matching: () => HOT_FILES,
    run: async (d, p) => {
      let listed = 0;
      let cursor: string | undefined;
      do {
        const page = await listPage(d, p, byTag, cursor);
        listed += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return listed;
    },
  },
];

export const growth: Section = async ({ quick }) => {
  const [smallCount, largeCount] = quick ? [200, 2_000] : [1_000, 50_000];
  const samples = quick ? 20 : 200;
  // DynamoDB Local's JVM compiles its hot paths over the first few hundred requests.
  const warmup = quick ? 5 : 50;
  const dynamo = await startDynamoDb({ directory: null });
  try {
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    // As the Lambdas build theirs (adapters/aws-clients.ts), with the emulator's endpoint.
    const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    await ensureTable(client, TABLE);

    const tenants = [
      { label: 'small', count: smallCount, principal: { tenantId: `bench-${randomUUID()}`, userId: 'bench', scopes: new Set(['files:read']) } },
      { label: 'large', count: largeCount, principal: { tenantId: `bench-${randomUUID()}`, userId: 'bench', scopes: new Set(['files:read']) } },
    ];
    const figures: Figure[] = [];
    for (const tenant of tenants) {
      const started = performance.now();
      const items = await recordTenant(tenant.principal.tenantId, tenant.count);
      const recorded = performance.now();
      await seed(db, items);
      const seeded = performance.now();
      figures.push({
        section: SECTION,
        name: `seed ${tenant.count.toLocaleString('en-US')} files (BatchWrite of the repository's items)`,
        unit: 'ms',
        median: Math.round(seeded - started),
        extra: {
          items: items.length,
          'items/s': Math.round(items.length / ((seeded - recorded) / 1000)),
          'building the items ms': Math.round(recorded - started),
        },
      });
    }

    const queries = new DynamoFileQueries(db, TABLE);
    const deps: QueryDeps = { files: queries, fileQueries: queries, objects: noObjects, settings: noSettings, telemetry: noTelemetry, fileTypes, now: () => new Date() };
    const [small, large] = tenants as [(typeof tenants)[number], (typeof tenants)[number]];
    for (const scenario of scenarios) {
      const times = new Map([small, large].map((t) => [t, [] as number[]]));
      for (let i = 0; i < warmup + samples; i++) {
        for (const tenant of shuffled([small, large])) {
          const started = performance.now();
          const listed = await scenario.run(deps, tenant.principal);
          const elapsed = performance.now() - started;
          if (listed !== scenario.expected) throw new Error(`${scenario.name} in the ${tenant.label} tenant listed ${listed} files, not ${scenario.expected}.`);
          if (i >= warmup) times.get(tenant)?.push(elapsed);
        }
      }
      const largeTimes = distribution(`${scenario.name}, ${large.count.toLocaleString('en-US')} files`, 'ms', times.get(large) ?? []);
      const smallTimes = distribution(`${scenario.name}, ${small.count.toLocaleString('en-US')} files`, 'ms', times.get(small) ?? []);
      const r = ratio(largeTimes.median, smallTimes.median);
      figures.push({
        section: SECTION,
        ...largeTimes,
        floor: smallTimes,
        ratio: r,
        target: `ratio ≤ ${TARGET} (flat)`,
        pass: r <= TARGET,
        extra: { 'p99 ratio': round((largeTimes.p99 ?? 0) / (smallTimes.p99 ?? 1)), 'files in tenant': large.count, 'matching files': scenario.matching(large.count) },
      });
    }
    client.destroy();
    return figures;
  } finally {
    await dynamo.stop();
  }
};
