import { isActive, markStepDone, type PracticeState } from '../practice/session-state.js';
import type { SessionStore } from '../practice/session-store.js';
import { ackSession, hintSession } from '../practice/trainee.js';
import type { PeopleRecord } from './people-record.js';
import type { PracticeSide, PracticeView } from './war-room.js';

/**
 * A practice session as the war room sees and acts on it: through its file, like `gameday ack`, `hint` and
 * the node shell, so the page, the terminal commands and the shell all change the same session under its
 * lock. What would give the exercise away (gameday's own API calls, the moment of injection) stays off
 * the page until the session ends.
 */
export function practiceSide(store: SessionStore, now: () => number): PracticeSide {
  return {
    view: () => practiceView(store.read()),
    ack: () => {
      const s = store.read();
      if (s.status !== 'injected') return { status: 409, message: 'No alert to acknowledge yet.' };
      if (s.ack) return { status: 409, message: 'Already acknowledged.' };
      return { status: 200, message: ackSession(store, now()) };
    },
    hint: () => {
      if (store.read().status !== 'injected') return { status: 409, message: 'No hint yet: wait for an alert.' };
      return { status: 200, message: hintSession(store, now()) };
    },
    markStep: (index) => {
      const r = store.update((s) => markStepDone(s, now(), index));
      return { status: r.ok ? 200 : 409, message: r.message };
    },
  };
}

export function practiceView(s: PracticeState): PracticeView {
  const running = isActive(s);
  return {
    status: s.status,
    startedAt: s.createdAt,
    ...(s.injectedAt !== undefined ? { injectedAt: s.injectedAt } : {}),
    ...(s.ack ? { ackAt: s.ack.at } : {}),
    ...(s.recoveredAt !== undefined ? { recoveredAt: s.recoveredAt } : {}),
    hints: s.hints,
    hintsUsed: s.hintsUsed,
    stepsDone: s.stepsDone ?? [],
    alerts: s.alerts,
    transcript: s.transcript.filter(
      (t) =>
        !running ||
        !((t.kind === 'api' && t.by === 'gameday') || (t.kind === 'session' && t.text === 'fault injected')),
    ),
    targets: s.targets,
  };
}

/** The session's steps marked done and its acknowledgement, for the drill's report. */
export function practicePeople(s: PracticeState): PeopleRecord {
  return {
    steps: s.stepsDone ?? [],
    acks: s.ack
      ? [{ at: s.ack.at, alerts: s.alerts.filter((a) => a.type === 'firing' && a.at <= s.ack!.at).map((a) => a.text) }]
      : [],
  };
}
