export interface ConfirmData {
  title: string;
  /** What happens, in full; names what it happens to. */
  message: string;
  confirmLabel: string;
  /** When set, the user types this (the stream's name) before the button enables. */
  typeToConfirm?: string;
}

/** Whether what was typed confirms: the exact name, ignoring surrounding spaces. */
export function typedConfirms(typed: string, expected: string | undefined): boolean {
  return expected === undefined || typed.trim() === expected.trim();
}
