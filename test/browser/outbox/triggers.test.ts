/**
 * When the page replays its outbox. The scheduling logic alone, driven with
 * a stand-in outbox that records its calls (the outbox itself is proven
 * against real backends in outbox.test.ts).
 */
import { expect } from 'chai';
import type { Outbox } from '../../../src/outbox/outbox';
import { startReplayTriggers } from '../../../src/page/triggers';
import { sleep, until } from '../helpers';

/** An outbox whose replays take `replayMs` and whose next entry is due in ten minutes. */
function recordingOutbox(replayMs: number) {
  const replays: boolean[] = [];
  const outbox = {
    async replay(force = false) {
      replays.push(force);
      await sleep(replayMs);
      return 1;
    },
    async nextDue() {
      return Date.now() + 600_000;
    },
  };
  return { outbox: outbox as unknown as Outbox, replays };
}

describe('replay triggers', () => {
  it('replays once right after start, forced', async () => {
    const { outbox, replays } = recordingOutbox(0);
    const triggers = startReplayTriggers(outbox, async () => {});
    try {
      await until(() => replays.length == 1, 'the first replay', 2000);
      expect(replays).to.deep.equal([true]);
    } finally {
      triggers.stop();
    }
  });

  it('a recovery during a replay still replays after it (the due timer re-armed by that replay does not cancel it)', async () => {
    const { outbox, replays } = recordingOutbox(300);
    const triggers = startReplayTriggers(outbox, async () => {});
    try {
      await until(() => replays.length == 1, 'the first replay', 2000);
      // An endpoint recovers after a 1 s outage while that replay is still running; its spread
      // replay is due 900 ms later, after that replay has ended and re-armed the due timer.
      const random = Math.random;
      Math.random = () => 0.9;
      try {
        triggers.recovered(1000);
      } finally {
        Math.random = random;
      }
      await until(() => replays.length == 2, 'the recovery replay', 3000);
      expect(replays).to.deep.equal([true, true]);
    } finally {
      triggers.stop();
    }
  });

  it('stop() cancels every pending replay', async () => {
    const { outbox, replays } = recordingOutbox(0);
    const triggers = startReplayTriggers(outbox, async () => {});
    await until(() => replays.length == 1, 'the first replay', 2000);
    triggers.recovered(50);
    triggers.stop();
    await sleep(400);
    expect(replays).to.have.length(1);
  });
});
