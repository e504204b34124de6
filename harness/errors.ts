/**
 * The one error type for expected failures: a one-line message a person can act on, a hint
 * saying what to do, and the exit code the CLI should use (1 = a check/flash/test failed,
 * 2 = usage or configuration). Library code throws it; only the CLI prints it.
 */
export class HilError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'HilError';
  }

  /** Further problems of the same kind found at once (every mistake in a config), one line each after the first. */
  also: string[] = [];

  /** The single line the CLI prints: message, then the hint when there is one. */
  line(): string {
    return this.hint ? `${this.message} (${this.hint})` : this.message;
  }
}
