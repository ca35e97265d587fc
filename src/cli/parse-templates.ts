// `-parse-only` of render and lb: the templates loaded (syntax, helpers, their use) without
// Consul, so a deploy can check a template before it reaches a running load balancer.
import type { TemplateSettings } from '../config/settings.ts';

/** Each template loaded once; each error on a line of its own. Resolves to the exit status. */
export async function parseTemplates(templates: readonly Pick<TemplateSettings, 'source' | 'contents'>[]): Promise<number> {
  const { Template } = await import('../template/template.ts');
  let status = 0;
  const unique = new Map(templates.map((template) => [template.source, template.contents]));
  for (const [source, contents] of unique) {
    try {
      if (contents === undefined) await Template.fromFile(source);
      else Template.fromSource(contents, source);
    } catch (error) {
      process.stderr.write(`drcon: ${(error as Error).message}\n`);
      status = 1;
    }
  }
  return status;
}
