/**
 * Errors of the runtime that are not part of the canonical ABI.
 *
 * @module
 */

/**
 * A component could not be linked: an import is missing, or the value given
 * for it is not what the component declares.
 */
export class LinkError extends Error {
  /** The import name (a path such as `host.nested.return-four`) the error is about. */
  readonly import: string | undefined;

  /** Creates a link error; `options.import` names the import it is about. */
  constructor(message: string, options: ErrorOptions & { import?: string } = {}) {
    super(message, options);
    this.name = "LinkError";
    this.import = options.import;
  }
}
