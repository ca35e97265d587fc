// Text from templates and Consul may hold lone UTF-16 surrogates, which cannot become UTF-8 and
// make encodeURIComponent throw. (String.prototype.isWellFormed is newer than our target lib.)

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function isWellFormed(text: string): boolean {
  return text.search(loneSurrogate) < 0;
}

/** Each lone surrogate becomes U+FFFD, as a UTF-8 encoder would write it. */
export function toWellFormed(text: string): string {
  return text.replace(loneSurrogate, '\uFFFD');
}
