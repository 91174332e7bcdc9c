import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { countThrottles } from '../../../lambdas/adapters/aws-clients';
import { MemoryTelemetry } from '../support/memory';

/** A DynamoDB endpoint on 127.0.0.1 that answers every request with the error of `type`. */
async function refusingEndpoint(type: string): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume().on('end', () => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'refused' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function callThrough(type: string) {
  const endpoint = await refusingEndpoint(type);
  const telemetry = new MemoryTelemetry();
  const client = countThrottles(
    new DynamoDBClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 2, retryMode: 'standard' }),
    'dynamodb',
    telemetry,
  );
  try {
    const error = await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } })).catch((e: unknown) => e);
    return { error, telemetry, requests: endpoint.requests() };
  } finally {
    client.destroy();
    await endpoint.close();
  }
}

describe('countThrottles', () => {
  it('counts a call AWS throttled beyond the SDK retries once, however many attempts it took', async () => {
    const { error, telemetry, requests } = await callThrough('ProvisionedThroughputExceededException');
    expect(error).toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(requests).toBe(2);
    expect(telemetry.events).toEqual([{ event: 'throttled', limit: 'dynamodb' }]);
  });

  it('counts nothing for an error that is not throttling', async () => {
    const { error, telemetry } = await callThrough('ValidationException');
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect(telemetry.events).toEqual([]);
  });
});
