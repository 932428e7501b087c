/**
 * How a config resolves every step's parameters for a source and a language: validated with the
 * schemas of params.ts on the main thread, posted to worker threads as plain data.
 */
import type { FilterConfig } from '../config/filter-schema.js';
import type { Source } from '../core/doc.js';
import { languageDefaults, paramsSchema, type ResolvedParams, STEP_PARAMS } from './params.js';
import { type Dialect, dialectOf } from './types.js';
import { UNSPACED_LANGUAGES } from './view.js';

/** Resolved parameters of one step for a source and language. */
export function stepParams(
  config: FilterConfig,
  source: Source,
  lang: string,
  name: string,
  dialect: Dialect = dialectOf(config.compat),
): unknown {
  const s = config[source];
  // built-in language defaults are moe's (datatrove judges every language with English settings)
  const builtIn = dialect.languageDefaults ? languageDefaults(lang)[name] : undefined;
  return paramsSchema(name).parse({ ...builtIn, ...s.params[name], ...s.languages[lang]?.[name] });
}

export function resolveParams(config: FilterConfig, dialect: Dialect = dialectOf(config.compat)): ResolvedParams {
  const names = Object.keys(STEP_PARAMS);
  const resolve = (source: Source): ResolvedParams[Source] => {
    const langs = new Set([
      ...(dialect.languageDefaults ? UNSPACED_LANGUAGES : []),
      ...Object.keys(config[source].languages),
    ]);
    const forLanguage = (lang: string): Record<string, unknown> =>
      Object.fromEntries(names.map((name) => [name, stepParams(config, source, lang, name, dialect)]));
    return {
      // a language with neither: the config's params alone
      default: Object.fromEntries(
        names.map((name) => [name, paramsSchema(name).parse({ ...config[source].params[name] })]),
      ),
      languages: Object.fromEntries([...langs].sort().map((lang) => [lang, forLanguage(lang)])),
    };
  };
  return { web: resolve('web'), code: resolve('code'), arxiv: resolve('arxiv') };
}
