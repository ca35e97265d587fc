// Every helper a drcon template may call, with the shape of its calls. Handlebars' own `each`,
// `if`, `unless`, `with` and `lookup` are kept (only their specs are here); `log` is replaced so
// its output goes to the render record instead of the process's stdout, which `-dry` prints to.
import { consulHelpers } from './consul-helpers.ts';
import { defineHelper, type HelperDefinition, type HelperSpec } from './helper-call.ts';
import { conversionHelpers } from './conversion-helpers.ts';
import { mathHelpers } from './math-helpers.ts';
import { nginxHelpers } from './nginx-helpers.ts';
import type { RenderNote } from './render-context.ts';
import { textHelpers } from './text-helpers.ts';

const builtinSpecs: Record<string, HelperSpec> = {
  each: { params: ['list'], block: true, pure: true },
  if: { params: ['condition'], hash: ['includeZero'], block: true, pure: true },
  unless: { params: ['condition'], hash: ['includeZero'], block: true, pure: true },
  with: { params: ['value'], block: true, pure: true },
  lookup: { params: ['object', 'key'], pure: true },
};

const logLevels: readonly RenderNote['level'][] = ['debug', 'info', 'warn', 'error'];

// `{{log "text" value level="warn"}}`: one log line per render, at Handlebars' levels (default info).
const log = defineHelper('log', { params: ['message'], variadic: true, hash: ['level'] }, (args, call) => {
  const level = call.option('level') ?? 'info';
  if (!logLevels.includes(level as RenderNote['level'])) call.fail(`level= must be one of ${logLevels.join(', ')}, got ${JSON.stringify(level)}`);
  const where = call.position === undefined ? '' : ` (line ${call.position.line})`;
  const text = args.map((arg) => (typeof arg === 'object' && arg !== null ? JSON.stringify(arg) : String(arg))).join(' ');
  call.render.note(`log${where}: ${text}`, level as RenderNote['level']);
  return '';
});

/** The helpers drcon registers in its Handlebars environment. */
export const drconHelpers: Record<string, HelperDefinition> = {
  ...consulHelpers,
  ...textHelpers,
  ...mathHelpers,
  ...conversionHelpers,
  ...nginxHelpers,
  log,
};

/** Every name a template may call, built-in or drcon's, with the shape its calls must have. */
export const helperSpecs: ReadonlyMap<string, HelperSpec> = new Map<string, HelperSpec>([
  ...Object.entries(builtinSpecs),
  ...Object.entries(drconHelpers),
]);
