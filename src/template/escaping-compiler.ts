// Handlebars compiles `{{value}}` to a call of its HTML escaper. drcon's environment gets its own
// JavaScriptCompiler whose escaped output calls our printer instead, reached as a helper of the
// environment (`container.helpers`), so nothing global is changed and other Handlebars users in
// the process keep HTML escaping. The call carries the statement's position, for errors.

/** The helper name the compiled code calls; templates cannot call it (not in the spec table). */
export const printHelperName = '__drconPrint';

/** The parts of Handlebars' (untyped) JavaScriptCompiler this subclass relies on. */
interface JavaScriptCompilerInternals {
  source: { currentLocation?: { start?: { line?: number; column?: number } } };
  compiler: JavaScriptCompilerClass;
  aliasable(name: string): unknown;
  popStack(): unknown;
  appendToBuffer(parts: unknown[]): unknown;
  pushSource(source: unknown): void;
}

export type JavaScriptCompilerClass = new () => JavaScriptCompilerInternals;

export function escapingCompiler(base: JavaScriptCompilerClass): JavaScriptCompilerClass {
  class NginxJavaScriptCompiler extends base {
    appendEscaped(): void {
      const start = this.source.currentLocation?.start;
      // Only numbers go into the generated code.
      const position =
        typeof start?.line === 'number' && typeof start.column === 'number'
          ? `{line:${start.line},column:${start.column + 1}}`
          : '{}';
      this.pushSource(
        this.appendToBuffer([
          this.aliasable(`container.helpers.${printHelperName}`),
          '(',
          this.popStack(),
          ',',
          position,
          ')',
        ]),
      );
    }
  }
  // Nested programs (#each bodies, else branches) are compiled by `new this.compiler()`.
  NginxJavaScriptCompiler.prototype.compiler = NginxJavaScriptCompiler;
  return NginxJavaScriptCompiler;
}
