/**
 * The error classes of the canonical ABI.
 *
 * @module
 */

/** The guest trapped; `message` is the reason. */
export class Trap extends Error {
  /** Creates a trap with a reason and an optional cause. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "Trap";
  }
}

/** An `err` result returned at the top level of a call; `payload` is its value. */
export class ComponentError extends Error {
  /** The `err` value of the `result`. */
  payload: unknown;

  /** Creates a component error carrying `payload`. */
  constructor(payload: unknown, options?: ErrorOptions) {
    super(describePayload(payload), options);
    this.name = "ComponentError";
    this.payload = payload;
  }
}

/** A call into an instance that trapped before; `cause` is the first trap. */
export class InstancePoisonedError extends Error {
  /** Creates the error; `options.cause` should be the first trap. */
  constructor(message = "Cannot call the instance: it trapped before", options?: ErrorOptions) {
    super(message, options);
    this.name = "InstancePoisonedError";
  }
}

function describePayload(payload: unknown): string {
  if (payload === undefined) return "The component returned an error";
  let text: string;
  try {
    text = typeof payload === "string"
      ? payload
      : JSON.stringify(payload, (_k, v) => typeof v === "bigint" ? `${v}n` : v);
  } catch {
    text = String(payload);
  }
  return `The component returned an error: ${text ?? String(payload)}`;
}
