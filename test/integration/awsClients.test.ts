import { describe, expect, it } from 'vitest';
import { awsClientConfig, createS3Client } from '../../src/adapters/aws/awsClients.ts';
import { GlueCatalog } from '../../src/adapters/aws/glueCatalog.ts';
import { S3BlobStore } from '../../src/adapters/aws/s3BlobStore.ts';
import { parseS3Uri } from '../../src/adapters/aws/s3Uri.ts';
import { snsSubject } from '../../src/adapters/aws/snsNotifier.ts';
import { connectGlueLake, connectLake } from '../../src/runtime/lakeConnection.ts';

// Pure configuration: no emulator needed, so these run even where moto_server is missing.
describe('AWS client configuration from the standard environment', () => {
  it('takes region, endpoint and attempts from the environment, service-specific endpoint first', () => {
    const env = {
      AWS_REGION: 'eu-central-2',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:5000',
      AWS_ENDPOINT_URL_GLUE: 'http://127.0.0.1:5001',
      AWS_MAX_ATTEMPTS: '7',
    };
    expect(awsClientConfig('s3', {}, env)).toEqual({
      region: 'eu-central-2',
      endpoint: 'http://127.0.0.1:5000',
      maxAttempts: 7,
      retryMode: 'standard',
    });
    expect(awsClientConfig('glue', {}, env).endpoint).toBe('http://127.0.0.1:5001');
  });

  it('leaves region and endpoint to the SDK when nothing is set, with 5 attempts by default', () => {
    expect(awsClientConfig('athena', {}, {})).toEqual({ maxAttempts: 5, retryMode: 'standard' });
    expect(awsClientConfig('sns', {}, { AWS_RETRY_MODE: 'adaptive' }).retryMode).toBe('adaptive');
    expect(
      awsClientConfig(
        's3',
        {},
        { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      ),
    ).not.toHaveProperty('endpoint');
  });

  it('prefers explicit options and rejects a nonsensical AWS_MAX_ATTEMPTS', () => {
    expect(
      awsClientConfig(
        's3',
        { region: 'us-east-1', maxAttempts: 2 },
        { AWS_REGION: 'x', AWS_MAX_ATTEMPTS: '9' },
      ),
    ).toMatchObject({
      region: 'us-east-1',
      maxAttempts: 2,
    });
    expect(() => awsClientConfig('s3', {}, { AWS_MAX_ATTEMPTS: 'lots' })).toThrow(
      expect.objectContaining({ name: 'AwsConfigurationError' }),
    );
  });

  it('uses path-style S3 addressing only with a custom endpoint', async () => {
    const emulated = createS3Client({ region: 'us-east-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' });
    const real = createS3Client({ region: 'us-east-1' }, {});
    expect(emulated.config.forcePathStyle).toBe(true);
    expect(real.config.forcePathStyle).toBe(false);
    emulated.destroy();
    real.destroy();
  });
});

describe('connectLake for S3', () => {
  it('puts the zones under the prefix and uses S3 with Glue by default', () => {
    const lake = connectLake('s3://my-lake/dev/', undefined, 'listings_dev', { region: 'us-east-1' });
    expect(lake.root).toBe('s3://my-lake/dev');
    expect(lake.zones.raw).toBe('s3://my-lake/dev/raw/');
    expect(lake.zones.athenaResults).toBe('s3://my-lake/dev/athena-results/');
    expect(lake.blobs).toBeInstanceOf(S3BlobStore);
    expect(lake.catalog).toBeInstanceOf(GlueCatalog);
    expect(lake.catalog.database).toBe('listings_dev');
    expect(lake.catalogKind).toBe('glue');
  });

  it('connects a lake of one bucket per zone (the deployed stack), checking every zone', () => {
    const zones = {
      raw: 's3://landing-bucket/',
      curated: 's3://curated-bucket/',
      results: 's3://results-bucket/',
      manifests: 's3://curated-bucket/manifests/',
      athenaResults: 's3://athena-bucket/',
    };
    const lake = connectGlueLake(zones, 'listings_dev', { region: 'us-east-1' });
    expect(lake.zones).toEqual(zones);
    expect(lake.root).toBe('s3://curated-bucket/');
    expect(lake.catalog.database).toBe('listings_dev');
    expect(() => connectGlueLake({ ...zones, raw: 's3://Bad_Bucket/' }, 'listings_dev')).toThrow(
      expect.objectContaining({ name: 'InvalidS3UriError' }),
    );
  });

  it('refuses the local catalog for an S3 lake and a malformed bucket', () => {
    expect(() => connectLake('s3://my-lake/dev', 'local')).toThrow(
      expect.objectContaining({ name: 'UnsupportedLakeError' }),
    );
    expect(() => connectLake('s3://My_Lake/dev', 'glue')).toThrow(
      expect.objectContaining({ name: 'InvalidS3UriError' }),
    );
  });
});

describe('S3 URIs and SNS subjects', () => {
  it('splits S3 URIs', () => {
    expect(parseS3Uri('s3://bucket/a/b=c/d.json')).toEqual({ bucket: 'bucket', key: 'a/b=c/d.json' });
    expect(parseS3Uri('s3://bucket')).toEqual({ bucket: 'bucket', key: '' });
    expect(() => parseS3Uri('/tmp/lake')).toThrow(expect.objectContaining({ name: 'InvalidS3UriError' }));
  });

  it('keeps a valid subject as it is and never returns an empty one', () => {
    expect(snsSubject('[prod] listings pipeline SUCCEEDED')).toBe('[prod] listings pipeline SUCCEEDED');
    expect(snsSubject('\n\t')).toBe('Listings pipeline notification');
    expect(snsSubject('Genève → Zürich')).toBe('Geneve ? Zurich');
  });
});
