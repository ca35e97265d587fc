// A consul-template user's first try is often their old `.ctmpl` as it is. Handlebars then stops
// at the first `.` or `end` with a syntax error that says nothing of why; a template that fails
// to parse and reads like Go's text/template gets the way out added to its error.

// `{{range`, `{{end}}`, `{{.Field` and `{{- ` (trim markers) are Go's and never Handlebars'.
const goTemplateMarks = /\{\{-?\s*(?:range\s|end\s*-?\}\}|\.[A-Za-z]|with\s)|\{\{- /;

/** The hint to append to a parse error of `source`, or "" when it does not look like Go's. */
export function goTemplateHint(source: string, file: string): string {
  return goTemplateMarks.test(source) ? ` (this reads like a consul-template template: translate it with \`drcon convert ${file}\`)` : '';
}
