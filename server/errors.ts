/**
 * {@linkcode DaemonError}: a refusal or failure with an HTTP status, an error
 * code and, for bad input, the field at fault. The HTTP layer turns it into
 * `{ "error": { "code", "message", "field"? } }`.
 *
 * @module
 */

import type { ErrorBody } from "./protocol.ts";

/**
 * An error the daemon reports to a client. `code` is either a session error
 * (`"invalid-configuration"`, `"session-aborted"`, `"unknown"`, …) when a
 * network operation failed, or a request error (`"bad-request"`,
 * `"unauthorized"`, `"forbidden"`, `"not-found"`, `"payload-too-large"`,
 * `"too-many-requests"`, `"not-implemented"`, `"conflict"`).
 *
 * @example
 * ```ts
 * import { DaemonError } from "@netsession/server";
 * const e = new DaemonError(400, "bad-request", "signal must be a number from 0 to 100, got \"x\"", "signal");
 * console.log(e.status, e.toJSON());
 * ```
 */
export class DaemonError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Machine-readable code. */
  readonly code: string;
  /** The request field at fault (body key, query parameter or header), if any. */
  readonly field: string | undefined;

  /**
   * Makes an error.
   *
   * @param status HTTP status
   * @param code machine-readable code
   * @param message what happened and what to do
   * @param field the field at fault
   */
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = "DaemonError";
    this.status = status;
    this.code = code;
    this.field = field;
  }

  /** The JSON body of the error response. */
  toJSON(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field === undefined ? {} : { field: this.field }),
      },
    };
  }
}

/**
 * The 404 of an unknown configuration identifier (the id is cut to 128 characters in the message).
 *
 * @example
 * ```ts
 * import { unknownConfiguration } from "@netsession/server";
 * console.log(unknownConfiguration("nope").status); // 404
 * ```
 */
export function unknownConfiguration(identifier: string, field = "id"): DaemonError {
  return new DaemonError(
    404,
    "not-found",
    `no configuration '${identifier.slice(0, 128)}'; GET /v1/configurations lists them`,
    field,
  );
}
