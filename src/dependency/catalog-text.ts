// Catalog text (tags, metadata, IDs, names) ends up in Nginx configuration, escaped into one
// token (see template/nginx-escape.ts). Nginx reads a token into a 4 KB buffer and rejects a
// longer one ("too long parameter"), comments included: a single registration with a 10,000
// character tag would make every new config fail `nginx -t` and freeze the balancer on the last
// good one. So an entry holding a longer value than Consul allows for metadata (512 bytes, which
// escape to at most 1,536 characters) is left out, like one whose address is not an address.

export const longestCatalogTextBytes = 512;

/** The first value among `values` longer than the limit, described for a warning; undefined if none. */
export function overlongText(values: Record<string, string | readonly string[] | Readonly<Record<string, string>>>): string | undefined {
  for (const [field, value] of Object.entries(values)) {
    const texts = typeof value === 'string' ? [value] : Array.isArray(value) ? value : Object.entries(value).flat();
    for (const text of texts as string[]) {
      const bytes = Buffer.byteLength(text);
      if (bytes > longestCatalogTextBytes) return `${field} holds a value of ${bytes} bytes (at most ${longestCatalogTextBytes})`;
    }
  }
  return undefined;
}

/** `text` quoted for a log line, cut short: a hostile value must not make the warning about it huge. */
export function quoteForLog(text: string): string {
  const shown = 64;
  return JSON.stringify(text.length > shown ? `${text.slice(0, shown)}…` : text);
}
