import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/jsonLogger.ts';
import { alarmNotification } from '../../src/domain/notifications/alarmNotification.ts';
import {
  type AlarmSignalName,
  alarmNameOf,
  alarmSignalOf,
  alarmSignals,
} from '../../src/domain/notifications/alarmSignals.ts';
import type { Notification } from '../../src/domain/notifications/notification.ts';
import { sources } from '../../src/domain/sources/registry.ts';
import { relayAlarmTask } from '../../src/lambdaTasks/relayAlarm.ts';

const signalNames = Object.keys(alarmSignals) as AlarmSignalName[];

/** EventBridge's "CloudWatch Alarm State Change" event, as it delivers it. */
function stateChange(alarmName: string, value = 'ALARM') {
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2024-01-16T00:05:00Z',
    region: 'eu-central-2',
    resources: [`arn:aws:cloudwatch:eu-central-2:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      configuration: { description: 'x', metrics: [] },
      previousState: { value: 'OK', reason: 'fine', timestamp: '2024-01-15T00:05:00.000+0000' },
      state: {
        value,
        reason:
          'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].',
        timestamp: '2024-01-16T00:05:00.000+0000',
      },
    },
  };
}

describe('alarm names', () => {
  it('read back as the signal and source they were made from, for every signal and source', () => {
    for (const signal of signalNames) {
      const perSource = alarmSignals[signal].perSource;
      for (const source of perSource ? sources.map((s) => s.name).concat(['some_new_source']) : [undefined]) {
        const name = alarmNameOf('prod', signal, source);
        expect(alarmSignalOf('prod', name)).toEqual(source === undefined ? { signal } : { signal, source });
      }
    }
  });

  it("are not read as another environment's, nor as a name the stack did not make", () => {
    expect(alarmSignalOf('dev', alarmNameOf('prod', 'missed-run'))).toBeUndefined();
    expect(alarmSignalOf('prod', 'listings-prod-executions-failed')).toBeUndefined();
    expect(alarmSignalOf('prod', 'listings-prod-missed-run-pricehubble')).toBeUndefined();
    expect(alarmSignalOf('prod', 'listings-prod-low-volume')).toBeUndefined();
    expect(alarmSignalOf('prod', 'listings-prod-low-volume-Bad-Name')).toBeUndefined();
  });

  it('have distinct error attributes', () => {
    const errors = signalNames.map((s) => alarmSignals[s].error);
    expect(new Set(errors).size).toBe(errors.length);
  });
});

describe('the message of an alarm', () => {
  const alarm = {
    alarmName: 'listings-prod-rejected-share-pricehubble',
    region: 'eu-central-2',
    since: '2024-01-16T00:05:00.000+0000',
    reason: 'Threshold Crossed: 1 datapoint [0.62] was greater than the threshold (0.5).',
  };

  it("carries a failed run message's attributes: FAILED, the signal as error, the source", () => {
    const notification = alarmNotification('prod', alarm, 'rejected-share', 'pricehubble');
    expect(notification.attributes).toEqual({
      environment: 'prod',
      status: 'FAILED',
      error: 'RejectedShareAlarm',
      source: 'pricehubble',
    });
    expect(notification.subject).toBe(
      '[prod] listings pipeline alarm: rejected share above the contract limit (pricehubble)',
    );
    expect(notification.message).toContain(alarmSignals['rejected-share'].meaning);
    expect(notification.message).toContain(alarmSignals['rejected-share'].action);
    expect(notification.message).toContain(alarm.reason);
    expect(notification.message).toContain(
      'https://eu-central-2.console.aws.amazon.com/cloudwatch/home?region=eu-central-2#alarmsV2:alarm/listings-prod-rejected-share-pricehubble',
    );
  });

  it('has no source attribute for an alarm of the whole pipeline', () => {
    const notification = alarmNotification(
      'prod',
      { ...alarm, alarmName: 'listings-prod-missed-run' },
      'missed-run',
    );
    expect(notification.attributes).toEqual({
      environment: 'prod',
      status: 'FAILED',
      error: 'MissedRunAlarm',
    });
  });
});

describe('RelayAlarm', () => {
  function relay() {
    const sent: Notification[] = [];
    const ports = {
      environment: 'prod',
      notifier: {
        publish: async (n: Notification) => {
          sent.push(n);
          return `m-${sent.length}`;
        },
      },
      log: silentLogger,
    };
    return { sent, run: (event: unknown) => relayAlarmTask(event, ports) };
  }

  it('publishes the message of a change into ALARM', async () => {
    const { sent, run } = relay();
    expect(await run(stateChange('listings-prod-low-volume-pricehubble'))).toEqual({ messageId: 'm-1' });
    expect(sent.map((n) => n.attributes)).toEqual([
      { environment: 'prod', status: 'FAILED', error: 'LowVolumeAlarm', source: 'pricehubble' },
    ]);
  });

  it('sends nothing for a change into OK', async () => {
    const { sent, run } = relay();
    expect(await run(stateChange('listings-prod-missed-run', 'OK'))).toEqual({ messageId: null });
    expect(sent).toEqual([]);
  });

  it('refuses an alarm that is not its own, and an event that is not an alarm state change', async () => {
    const { sent, run } = relay();
    await expect(run(stateChange('someone-elses-alarm'))).rejects.toThrow(/not one of its own/);
    await expect(run({ ...stateChange('listings-prod-missed-run'), source: 'aws.s3' })).rejects.toThrow(
      /RelayAlarm received an event it cannot read: source/,
    );
    expect(sent).toEqual([]);
  });
});
