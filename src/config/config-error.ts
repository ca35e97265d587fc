// A mistake in what the user gave us (a flag, a config file), as opposed to a fault of the
// program: the CLI prints its one-line message without a stack and exits with a usage status.
export class ConfigError extends Error {
  override name = 'ConfigError';
}
