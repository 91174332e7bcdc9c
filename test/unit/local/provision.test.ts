import { CreateQueueCommand, GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { processors } from '../../../lambdas/processors';
import { ensureQueues } from '../../../local/provision';

/**
 * There is no SQS emulator among the local stack's (LocalStack provides SQS for `npm start` on
 * LocalStack), so the queue provisioning is checked against a recording stand-in for the client:
 * the attributes each queue ends up with are those SQS would be told.
 */
function recordingSqs(existing: Record<string, Record<string, string>> = {}) {
  const queues: Record<string, Record<string, string>> = structuredClone(existing);
  const nameOf = (url: string | undefined) => String(url).split('/').pop() as string;
  const client = {
    send: async (command: unknown) => {
      if (command instanceof CreateQueueCommand) {
        const name = command.input.QueueName as string;
        // As SQS: creating a queue that exists with other attributes than those given fails.
        const given = command.input.Attributes ?? {};
        if (queues[name] && Object.entries(given).some(([key, value]) => queues[name]?.[key] !== value)) {
          throw Object.assign(new Error('A queue already exists with the same name and a different value for attribute VisibilityTimeout'), { name: 'QueueNameExists' });
        }
        queues[name] ??= { VisibilityTimeout: '30', ...given };
        return { QueueUrl: `http://localhost:4566/000000000000/${name}` };
      }
      if (command instanceof SetQueueAttributesCommand) {
        Object.assign(queues[nameOf(command.input.QueueUrl)] as object, command.input.Attributes);
        return {};
      }
      if (command instanceof GetQueueAttributesCommand) {
        return { Attributes: { QueueArn: `arn:aws:sqs:eu-west-1:000000000000:${nameOf(command.input.QueueUrl)}` } };
      }
      throw new Error(`unexpected command ${(command as object).constructor.name}`);
    },
  };
  return { client: client as unknown as Pick<SQSClient, 'send'>, queues };
}

describe('ensureQueues: the LocalStack processing queues, as lib/processing.ts deploys them', () => {
  it('keeps a received message invisible six times as long as its processor may run (1080 s metadata, 540 s thumbnails, 180 s dead letters)', async () => {
    const { client, queues } = recordingSqs();
    const { metadata, thumbnails } = await ensureQueues(client, 'fileport-local');
    const visibility = Object.fromEntries(Object.entries(queues).map(([name, attributes]) => [name, Number(attributes.VisibilityTimeout)]));
    expect(visibility).toEqual({ 'fileport-metadata-dlq': 180, 'fileport-metadata': 1080, 'fileport-thumbnails-dlq': 180, 'fileport-thumbnails': 540 });
    // Longer than the processors' own timeouts, which is what matters: 180 s and 90 s.
    expect(visibility['fileport-metadata']).toBeGreaterThanOrEqual(processors.metadata.timeoutSeconds);
    expect(visibility['fileport-thumbnails']).toBeGreaterThanOrEqual(processors.thumbnails.timeoutSeconds);
    expect({ metadata, thumbnails }).toEqual({
      metadata: {
        url: 'http://localhost:4566/000000000000/fileport-metadata',
        arn: 'arn:aws:sqs:eu-west-1:000000000000:fileport-metadata',
        deadLetterUrl: 'http://localhost:4566/000000000000/fileport-metadata-dlq',
      },
      thumbnails: {
        url: 'http://localhost:4566/000000000000/fileport-thumbnails',
        arn: 'arn:aws:sqs:eu-west-1:000000000000:fileport-thumbnails',
        deadLetterUrl: 'http://localhost:4566/000000000000/fileport-thumbnails-dlq',
      },
    });
  });

  it('dead-letters after 5 receives into its own dead-letter queue, which keeps messages 14 days', async () => {
    const { client, queues } = recordingSqs();
    await ensureQueues(client, 'fileport-local');
    for (const name of ['fileport-metadata', 'fileport-thumbnails']) {
      expect({ name, redrive: JSON.parse(queues[name]?.RedrivePolicy ?? 'null') }).toEqual({
        name,
        redrive: { deadLetterTargetArn: `arn:aws:sqs:eu-west-1:000000000000:${name}-dlq`, maxReceiveCount: 5 },
      });
      expect(queues[`${name}-dlq`]?.MessageRetentionPeriod).toBe(String(14 * 24 * 3600));
    }
  });

  it('lets only the bucket send to the metadata queue', async () => {
    const { client, queues } = recordingSqs();
    await ensureQueues(client, 'fileport-local');
    expect(JSON.parse(queues['fileport-metadata']?.Policy ?? 'null')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: 'arn:aws:sqs:eu-west-1:000000000000:fileport-metadata',
          Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::fileport-local' } },
        },
      ],
    });
    expect(queues['fileport-thumbnails']?.Policy).toBeUndefined();
  });

  it('corrects queues an older run created with a 60 s visibility timeout', async () => {
    const { client, queues } = recordingSqs({ 'fileport-metadata': { VisibilityTimeout: '60' }, 'fileport-thumbnails': { VisibilityTimeout: '60' } });
    await ensureQueues(client, 'fileport-local');
    expect([queues['fileport-metadata']?.VisibilityTimeout, queues['fileport-thumbnails']?.VisibilityTimeout]).toEqual(['1080', '540']);
  });
});
