/**
 * The numeric codes of the async ABI: event codes, callback codes, copy
 * results, subtask states and the `BLOCKED` sentinel.
 *
 * @module
 */
import { Trap } from "@weft/abi";

/** CanonicalABI.md § Waitable State (`EventCode`): the first word of an event. */
export const EventCode = {
  NONE: 0,
  SUBTASK: 1,
  STREAM_READ: 2,
  STREAM_WRITE: 3,
  FUTURE_READ: 4,
  FUTURE_WRITE: 5,
  TASK_CANCELLED: 6,
} as const;

/** One of the {@linkcode EventCode} values. */
export type EventCode = typeof EventCode[keyof typeof EventCode];

/** An event as delivered to the guest: `[code, index, payload]` (spec: `EventTuple`). */
export type EventTuple = readonly [code: EventCode, index: number, payload: number];

/** CanonicalABI.md § `canon lift` (`CallbackCode`): what a callback asks for next. */
export const CallbackCode = {
  EXIT: 0,
  YIELD: 1,
  WAIT: 2,
} as const;

/** One of the {@linkcode CallbackCode} values. */
export type CallbackCode = typeof CallbackCode[keyof typeof CallbackCode];

/** CanonicalABI.md § Stream State (`CopyResult`): how a stream or future copy ended. */
export const CopyResult = {
  COMPLETED: 0,
  DROPPED: 1,
  CANCELLED: 2,
} as const;

/** One of the {@linkcode CopyResult} values. */
export type CopyResult = typeof CopyResult[keyof typeof CopyResult];

/** CanonicalABI.md § Subtask State (`Subtask.State`). */
export const SubtaskState = {
  STARTING: 0,
  STARTED: 1,
  RETURNED: 2,
  CANCELLED_BEFORE_STARTED: 3,
  CANCELLED_BEFORE_RETURNED: 4,
} as const;

/** One of the {@linkcode SubtaskState} values. */
export type SubtaskState = typeof SubtaskState[keyof typeof SubtaskState];

/**
 * CanonicalABI.md § `canon subtask.cancel` (`BLOCKED`): returned by an async
 * built-in whose operation did not complete yet.
 */
export const BLOCKED = 0xffff_ffff;

/**
 * CanonicalABI.md § `canon lift` (`unpack_callback_result`): splits the i32 a
 * callback returns into its code and waitable-set index; traps on an unknown
 * code.
 */
export function unpackCallbackResult(packed: number): [code: CallbackCode, waitableSet: number] {
  const p = packed >>> 0;
  const code = p & 0xf;
  if (code > CallbackCode.WAIT) {
    throw new Trap(`unsupported callback code: ${code}`);
  }
  return [code as CallbackCode, p >>> 4];
}
