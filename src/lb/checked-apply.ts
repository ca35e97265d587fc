// "Never a broken Nginx": new app.conf content goes in only if the whole configuration still
// passes `nginx -t`; otherwise the file that was there before is put back. The file on disk is
// therefore always the last good one, which is what this step keeps to restore.
// Callers apply one content at a time (the runner serialises renders).
import { rm } from 'node:fs/promises';
import { readFileIfExists, writeFileAtomic } from '../runner/atomic-write.ts';
import type { NginxLayout } from './layout.ts';
import { checkNginxConfig } from './nginx-check.ts';

export type ApplyResult = { ok: true; changed: boolean } | { ok: false; error: string };

export async function applyCheckedAppConfig(layout: NginxLayout, content: string | Buffer): Promise<ApplyResult> {
  const next = typeof content === 'string' ? Buffer.from(content) : content;
  const lastGood = await readFileIfExists(layout.appConfig);
  if (lastGood?.equals(next)) return { ok: true, changed: false };
  await writeFileAtomic(layout.appConfig, next);
  const verdict = await checkNginxConfig(layout);
  if (verdict.ok) return { ok: true, changed: true };
  if (lastGood === undefined) await rm(layout.appConfig, { force: true });
  else await writeFileAtomic(layout.appConfig, lastGood);
  return { ok: false, error: verdict.error };
}
