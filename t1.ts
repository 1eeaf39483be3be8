import { DuckDBInstance } from '@duckdb/node-api';
const i = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', threads: '2' });
const c = await i.connect();
async function t(label: string, sql: string) {
  const s = performance.now();
  const r = await c.runAndReadAll(sql);
  console.log(label, Math.round(performance.now() - s), 'ms', JSON.stringify(r.getRows().slice(0, 3), (_, v) => typeof v === 'bigint' ? Number(v) : v));
}
const f = '/tmp/scratch/1m.jsonl';
const lines = `read_csv('${f}', columns={'raw':'VARCHAR'}, delim=chr(1), quote='', escape='', header=false, auto_detect=false)`;
await t('B4 rownum order check', `with x as (select row_number() over () n, raw, json_extract_string(try_cast(raw as json)?, '$.id') id from ${lines}) select count(*) filter (where id is not null and n-1 <> (case when id ~ '^[0-9]+$' then id::bigint else ('0x'||id)::bigint end)) from x`).catch(e=>console.log(String(e)));
await t('B5', `with x as (select row_number() over () n, raw, case when json_valid(raw) then raw end::json ->> '$.id' id from ${lines}) select count(*) filter (where id is not null and n-1 <> (case when id ~ '^[0-9]+$' then id::bigint else ('0x'||id)::bigint end)) from x`).catch(e=>console.log(String(e)));
await t('file_row_number?', `select max(file_row_number) from read_csv('${f}', columns={'raw':'VARCHAR'}, delim=chr(1), quote='', escape='', header=false, auto_detect=false, file_row_number=true)`).catch(e=>console.log(String(e)));
