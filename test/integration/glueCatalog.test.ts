import {
  GetPartitionCommand,
  GetTableCommand,
  GetTableVersionsCommand,
  type GlueClient,
} from '@aws-sdk/client-glue';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { createGlueClient } from '../../src/adapters/aws/awsClients.ts';
import { GlueCatalog } from '../../src/adapters/aws/glueCatalog.ts';
import { zonesUnder } from '../../src/domain/lake/lakeLayout.ts';
import { glueTableInput } from '../../src/domain/tables/glueTableInput.ts';
import {
  listingsRejectedTable,
  listingsTable,
  type TableDefinition,
} from '../../src/domain/tables/tableSchema.ts';
import { FaultProxy, jsonServiceError } from './faultProxy.ts';
import { awsTestOptions, describeWithMoto, requireMoto, resetMoto } from './moto.ts';

const database = 'listings_test';
const zones = zonesUnder('s3://lake-test/env');
const listingsLocation = `${zones.curated}listings/`;
const rejectedLocation = `${zones.curated}listings_rejected/`;
const runLocation = (table: string, dt: string, run: string) =>
  `${zones.curated}${table}/source=pricehubble/dt=${dt}/run=${run}/`;
const day = (dt: string) => ({ source: 'pricehubble', dt });

describeWithMoto('GlueCatalog against moto_server', () => {
  let proxy: FaultProxy;
  let glue: GlueClient;
  let catalog: GlueCatalog;

  beforeAll(async () => {
    proxy = await FaultProxy.start(requireMoto());
  });
  afterAll(() => proxy.close());
  beforeEach(async () => {
    await resetMoto();
    proxy.clear();
    glue = createGlueClient(awsTestOptions(proxy.endpoint));
    catalog = new GlueCatalog(glue, database, { zones });
  });
  afterEach(() => glue.destroy());

  const targets = () => proxy.requests.map((r) => r.target?.replace('AWSGlue.', ''));

  it('creates the database and the table from glueTableInput, then leaves an unchanged table alone', async () => {
    await catalog.ensureTable(listingsTable, listingsLocation);

    expect(targets()).toEqual(['GetDatabase', 'CreateDatabase', 'GetTable', 'CreateTable']);
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: database, Name: 'listings' }));
    const expected = glueTableInput(listingsTable, listingsLocation);
    expect(Table?.StorageDescriptor?.Columns).toEqual(expected.StorageDescriptor.Columns);
    expect(Table?.StorageDescriptor?.Location).toBe(listingsLocation);
    expect(Table?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
      expected.StorageDescriptor.SerdeInfo.SerializationLibrary,
    );
    expect(Table?.PartitionKeys?.map((k) => k.Name)).toEqual(['source', 'dt']);
    expect(Table?.Parameters).toMatchObject({ classification: 'parquet', 'parquet.compression': 'ZSTD' });

    proxy.clear();
    await catalog.ensureTable(listingsTable, listingsLocation);
    // The database is known by now, and an unchanged table is not rewritten (no new table version).
    expect(targets()).toEqual(['GetTable']);
  });

  it('uses an existing database and updates a table whose definition changed', async () => {
    await new GlueCatalog(glue, database).ensureTable(listingsTable, listingsLocation);
    proxy.clear();
    const changed: TableDefinition = {
      ...listingsTable,
      description: 'Listings, now with the number of rooms',
      columns: [...listingsTable.columns, { name: 'rooms', type: 'double', comment: 'Number of rooms' }],
    };

    await catalog.ensureTable(changed, listingsLocation);

    expect(targets()).toEqual(['GetDatabase', 'GetTable', 'UpdateTable']);
    const { Table } = await glue.send(new GetTableCommand({ DatabaseName: database, Name: 'listings' }));
    expect(Table?.StorageDescriptor?.Columns?.map((c) => c.Name)).toEqual([
      ...listingsTable.columns.map((c) => c.name),
      'rooms',
    ]);
    expect(Table?.Description).toBe('Listings, now with the number of rooms');
    const versions = await glue.send(
      new GetTableVersionsCommand({ DatabaseName: database, TableName: 'listings' }),
    );
    expect(versions.TableVersions).toHaveLength(2);
  });

  it('lists its tables with their definitions', async () => {
    await catalog.ensureTable(listingsTable, listingsLocation);
    await catalog.ensureTable(listingsRejectedTable, rejectedLocation);

    const tables = await catalog.listTables();

    expect(tables.map((t) => [t.name, t.location, t.definition.zone])).toEqual([
      ['listings', listingsLocation, 'curated'],
      ['listings_rejected', rejectedLocation, 'curated'],
    ]);
    expect(tables[1]?.definition.columns).toEqual(listingsRejectedTable.columns);
    expect(tables[1]?.definition.partitionKeys).toEqual(listingsRejectedTable.partitionKeys);
  });

  it('publishes new partitions, then repoints existing ones and returns where they pointed before', async () => {
    await catalog.ensureTable(listingsTable, listingsLocation);
    await catalog.ensureTable(listingsRejectedTable, rejectedLocation);
    proxy.clear();

    const first = await catalog.publish([
      {
        table: listingsTable,
        values: day('2024-01-15'),
        location: runLocation('listings', '2024-01-15', 'r1'),
      },
      {
        table: listingsRejectedTable,
        values: day('2024-01-15'),
        location: runLocation('listings_rejected', '2024-01-15', 'r1'),
      },
    ]);

    expect(first).toEqual([undefined, undefined]);
    // every table's current partitions are read before anything changes (an undo needs them)
    expect(targets()).toEqual([
      'BatchGetPartition',
      'BatchGetPartition',
      'BatchCreatePartition',
      'BatchCreatePartition',
    ]);
    proxy.clear();

    const second = await catalog.publish([
      // Values in any key order: they are matched by partition key name.
      {
        table: listingsTable,
        values: { dt: '2024-01-15', source: 'pricehubble' },
        location: runLocation('listings', '2024-01-15', 'r2'),
      },
      {
        table: listingsTable,
        values: day('2024-01-16'),
        location: runLocation('listings', '2024-01-16', 'r2'),
      },
      {
        table: listingsRejectedTable,
        values: day('2024-01-15'),
        location: runLocation('listings_rejected', '2024-01-15', 'r2'),
      },
    ]);

    expect(second).toEqual([
      runLocation('listings', '2024-01-15', 'r1'),
      undefined,
      runLocation('listings_rejected', '2024-01-15', 'r1'),
    ]);
    expect(targets()).toEqual([
      'BatchGetPartition',
      'BatchGetPartition',
      'BatchCreatePartition',
      'BatchUpdatePartition',
      'BatchUpdatePartition',
    ]);
    expect(await catalog.getPartition('listings', day('2024-01-15'))).toEqual({
      values: day('2024-01-15'),
      location: runLocation('listings', '2024-01-15', 'r2'),
    });
    expect(await catalog.listPartitions('listings')).toEqual([
      { values: day('2024-01-15'), location: runLocation('listings', '2024-01-15', 'r2') },
      { values: day('2024-01-16'), location: runLocation('listings', '2024-01-16', 'r2') },
    ]);
    expect(await catalog.listPartitions('listings_rejected')).toHaveLength(1);

    // A partition carries the table's columns and SerDe, with its own location.
    const { Partition } = await glue.send(
      new GetPartitionCommand({
        DatabaseName: database,
        TableName: 'listings',
        PartitionValues: ['pricehubble', '2024-01-15'],
      }),
    );
    const table = glueTableInput(listingsTable, listingsLocation);
    expect(Partition?.StorageDescriptor?.Columns).toEqual(table.StorageDescriptor.Columns);
    expect(Partition?.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe(
      table.StorageDescriptor.SerdeInfo.SerializationLibrary,
    );
    expect(Partition?.StorageDescriptor?.InputFormat).toBe(table.StorageDescriptor.InputFormat);
  });

  it('publishes more than a batch of partitions (Glue takes 100 per BatchCreatePartition)', async () => {
    await catalog.ensureTable(listingsTable, listingsLocation);
    const dates = Array.from({ length: 130 }, (_, i) =>
      new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
    );
    proxy.clear();

    const previous = await catalog.publish(
      dates.map((dt) => ({
        table: listingsTable,
        values: day(dt),
        location: runLocation('listings', dt, 'r1'),
      })),
    );

    expect(previous.every((p) => p === undefined)).toBe(true);
    expect(targets()).toEqual(['BatchGetPartition', 'BatchCreatePartition', 'BatchCreatePartition']);
    const listed = await catalog.listPartitions('listings');
    expect(listed.map((p) => p.values.dt)).toEqual(dates);
  });

  it('says undefined for a partition that does not exist', async () => {
    await catalog.ensureTable(listingsTable, listingsLocation);
    expect(await catalog.getPartition('listings', day('2030-01-01'))).toBeUndefined();
    expect(await catalog.listPartitions('listings')).toEqual([]);
  });

  it('fails to publish into a table that was never ensured, saying what to do', async () => {
    await catalog.ensureTable(listingsTable, listingsLocation);
    await expect(
      catalog.publish([
        { table: listingsRejectedTable, values: day('2024-01-15'), location: 's3://lake-test/x/' },
      ]),
    ).rejects.toMatchObject({
      name: 'GlueCatalogError',
      message: expect.stringContaining('ensureTable first'),
    });
  });

  it('retries Glue throttling, then publishes', async () => {
    await catalog.ensureTable(listingsTable, listingsLocation);
    proxy.clear();
    proxy.fail(
      2,
      jsonServiceError(400, 'ThrottlingException', 'Rate exceeded'),
      (r) => r.target === 'AWSGlue.BatchCreatePartition',
    );

    const previous = await catalog.publish([
      {
        table: listingsTable,
        values: day('2024-01-15'),
        location: runLocation('listings', '2024-01-15', 'r1'),
      },
    ]);

    expect(previous).toEqual([undefined]);
    expect(
      proxy.requests.filter((r) => r.target === 'AWSGlue.BatchCreatePartition').map((r) => r.faulted),
    ).toEqual([true, true, false]);
    expect((await catalog.getPartition('listings', day('2024-01-15')))?.location).toBe(
      runLocation('listings', '2024-01-15', 'r1'),
    );
  });

  it('copes with another loader creating the database and table at the same moment', async () => {
    await new GlueCatalog(glue, database).ensureTable(listingsTable, listingsLocation);
    proxy.clear();
    // Both look missing when read, and exist by the time this catalog tries to create them.
    const notFound = jsonServiceError(400, 'EntityNotFoundException', 'not found');
    proxy.fail(1, notFound, (r) => r.target === 'AWSGlue.GetDatabase');
    proxy.fail(1, notFound, (r) => r.target === 'AWSGlue.GetTable');

    await catalog.ensureTable(listingsTable, listingsLocation);

    expect(targets()).toEqual(['GetDatabase', 'CreateDatabase', 'GetTable', 'CreateTable', 'GetTable']);
    expect((await catalog.listTables()).map((t) => t.name)).toEqual(['listings']);
  });

  it('repoints a partition that another run created between the read and the create', async () => {
    await catalog.ensureTable(listingsTable, listingsLocation);
    await catalog.publish([
      {
        table: listingsTable,
        values: day('2024-01-15'),
        location: runLocation('listings', '2024-01-15', 'r1'),
      },
    ]);
    proxy.clear();
    // This run reads "no partition yet" (the other run's create had not landed), then its create collides.
    proxy.rewriteResponses(
      (r) => r.target === 'AWSGlue.BatchGetPartition',
      () => JSON.stringify({ Partitions: [], UnprocessedKeys: [] }),
    );

    const previous = await catalog.publish([
      {
        table: listingsTable,
        values: day('2024-01-15'),
        location: runLocation('listings', '2024-01-15', 'r2'),
      },
    ]);

    expect(previous).toEqual([runLocation('listings', '2024-01-15', 'r1')]);
    expect(targets()).toEqual([
      'BatchGetPartition',
      'BatchCreatePartition',
      'GetPartition',
      'UpdatePartition',
    ]);
    expect((await catalog.getPartition('listings', day('2024-01-15')))?.location).toBe(
      runLocation('listings', '2024-01-15', 'r2'),
    );
  });

  it.each([
    ['new', false],
    ['existing', true],
  ])(
    'switches both tables together: when the second fails, the first %s partition is switched back',
    async (_, existedBefore) => {
      await catalog.ensureTable(listingsTable, listingsLocation);
      await catalog.ensureTable(
        listingsRejectedTable,
        listingsLocation.replace('listings/', 'listings_rejected/'),
      );
      const publish = (run: string) =>
        catalog.publish([
          {
            table: listingsTable,
            values: day('2024-01-15'),
            location: runLocation('listings', '2024-01-15', run),
          },
          {
            table: listingsRejectedTable,
            values: day('2024-01-15'),
            location: runLocation('listings_rejected', '2024-01-15', run),
          },
        ]);
      if (existedBefore) await publish('r1');
      proxy.clear();
      // Glue refuses the second table's change (after the SDK's retries: an access problem, say).
      const secondTable = (r: { target: string | undefined; bodyText: string }) =>
        (r.target === 'AWSGlue.BatchCreatePartition' || r.target === 'AWSGlue.BatchUpdatePartition') &&
        r.bodyText.includes('"TableName":"listings_rejected"');
      proxy.fail(10, jsonServiceError(400, 'AccessDeniedException', 'not allowed'), secondTable);

      const error = await publish('r2').then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(error).toMatchObject({
        name: 'GluePublishError',
        message: expect.stringContaining('were undone'),
      });
      const expected = existedBefore ? runLocation('listings', '2024-01-15', 'r1') : undefined;
      expect((await catalog.getPartition('listings', day('2024-01-15')))?.location).toBe(expected);
      expect((await catalog.getPartition('listings_rejected', day('2024-01-15')))?.location).toBe(
        existedBefore ? runLocation('listings_rejected', '2024-01-15', 'r1') : undefined,
      );
      expect(targets()).toContain(existedBefore ? 'UpdatePartition' : 'DeletePartition');
    },
  );

  it('asks again for partitions Glue left unprocessed', async () => {
    await catalog.ensureTable(listingsTable, listingsLocation);
    await catalog.publish([
      {
        table: listingsTable,
        values: day('2024-01-15'),
        location: runLocation('listings', '2024-01-15', 'r1'),
      },
    ]);
    proxy.clear();
    let answered = 0;
    proxy.rewriteResponses(
      (r) => r.target === 'AWSGlue.BatchGetPartition',
      (body) => {
        answered++;
        if (answered > 1) return body;
        // Glue under load: nothing processed, every key handed back.
        return JSON.stringify({
          Partitions: [],
          UnprocessedKeys: [{ Values: ['pricehubble', '2024-01-15'] }],
        });
      },
    );

    const previous = await catalog.publish([
      {
        table: listingsTable,
        values: day('2024-01-15'),
        location: runLocation('listings', '2024-01-15', 'r2'),
      },
    ]);

    expect(previous).toEqual([runLocation('listings', '2024-01-15', 'r1')]);
    expect(targets()).toEqual(['BatchGetPartition', 'BatchGetPartition', 'BatchUpdatePartition']);
  });
});
