/** 0 every target met; 1 a target missed; 2 invalid input; 3 aborted or infrastructure error. */
export const EXIT = { ok: 0, targetMissed: 1, invalid: 2, infrastructure: 3 } as const;
