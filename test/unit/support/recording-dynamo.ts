import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableSchema } from '../../../lambdas/adapters/table-schema';

type Item = Record<string, unknown>;
type Input = Record<string, any>;

const { partitionKey: PK, sortKey: SK } = tableSchema;
const { partitionKey: GSI_PK, sortKey: GSI_SK } = tableSchema.indexes.byTenant;
const keyOf = (item: Item) => `${String(item[PK])}\u0000${String(item[SK])}`;

/**
 * A DynamoDB document client for one table, in memory, that records every command sent. It knows
 * the expressions the file repository writes (not DynamoDB's grammar), enough to run `list` and
 * see which requests it makes: which command, index and key condition, and how many items it read.
 */
export class RecordingDynamo {
  readonly items = new Map<string, Item>();
  readonly sent: { command: string; input: Input }[] = [];

  get client(): DynamoDBDocumentClient {
    return this as unknown as DynamoDBDocumentClient;
  }

  /** The commands sent since the last call, and forget them. */
  take(): { command: string; input: Input }[] {
    return this.sent.splice(0);
  }

  async send(command: { constructor: { name: string }; input: Input }): Promise<unknown> {
    const name = command.constructor.name;
    const input = structuredClone(command.input);
    this.sent.push({ command: name, input });
    switch (name) {
      case 'PutCommand':
        this.items.set(keyOf(input.Item), input.Item);
        return {};
      case 'GetCommand':
        return { Item: this.items.get(keyOf(input.Key)) };
      case 'DeleteCommand':
        this.items.delete(keyOf(input.Key));
        return {};
      case 'UpdateCommand':
        return this.update(input);
      case 'BatchWriteCommand':
        for (const request of Object.values(input.RequestItems)[0] as Input[]) {
          if (request.PutRequest) this.items.set(keyOf(request.PutRequest.Item), request.PutRequest.Item);
          else this.items.delete(keyOf(request.DeleteRequest.Key));
        }
        return {};
      case 'BatchGetCommand': {
        const [table, { Keys }] = Object.entries(input.RequestItems)[0] as [string, { Keys: Item[] }];
        return { Responses: { [table]: Keys.flatMap((k) => this.items.get(keyOf(k)) ?? []) } };
      }
      case 'QueryCommand':
        return this.query(input);
      default:
        throw new Error(`RecordingDynamo does not know ${name}`);
    }
  }

  /** The SET assignments `#name = :value` only: what the repository's update writes. */
  private update(input: Input) {
    const item = this.items.get(keyOf(input.Key));
    if (!item) throw new Error('update of a missing item');
    const set = String(input.UpdateExpression).replace(/^SET /, '').split(' REMOVE ')[0] as string;
    for (const assignment of set.split(', ')) {
      const [name, value] = assignment.split(' = ') as [string, string];
      item[input.ExpressionAttributeNames[name]] = input.ExpressionAttributeValues[value];
    }
    return {};
  }

  private query(input: Input) {
    const names: Record<string, string> = input.ExpressionAttributeNames;
    const values: Record<string, string> = input.ExpressionAttributeValues;
    const [pk, sk] = input.IndexName ? [GSI_PK, GSI_SK] : [PK, SK];
    const condition = String(input.KeyConditionExpression);
    const inRange = (s: string): boolean => {
      const between = / BETWEEN (:\w+) AND (:\w+)/.exec(condition);
      if (between) return s >= (values[between[1] as string] as string) && s <= (values[between[2] as string] as string);
      const compare = / (>|<=|<) (:\w+)$/.exec(condition);
      if (compare) {
        const bound = values[compare[2] as string] as string;
        return compare[1] === '>' ? s > bound : compare[1] === '<=' ? s <= bound : s < bound;
      }
      const prefix = /begins_with\(#\w+, (:\w+)\)/.exec(condition);
      return prefix ? s.startsWith(values[prefix[1] as string] as string) : true;
    };
    const pkValue = values[condition.startsWith('#gpk') ? ':gpk' : ':pk'];
    if (names['#gpk'] !== undefined && names['#gpk'] !== GSI_PK) throw new Error('unexpected #gpk');
    const position = (item: Item) => `${String(item[sk])}\u0000${keyOf(item)}`;
    let matching = [...this.items.values()]
      .filter((item) => item[pk] === pkValue && typeof item[sk] === 'string' && inRange(item[sk] as string))
      .sort((a, b) => (position(a) < position(b) ? -1 : 1));
    if (input.ScanIndexForward === false) matching.reverse();
    if (input.ExclusiveStartKey) {
      const start = position(input.ExclusiveStartKey);
      if (!inRange(String(input.ExclusiveStartKey[sk]))) throw new Error('ValidationException: The provided starting key is outside query boundaries');
      matching = matching.filter((item) => (input.ScanIndexForward === false ? position(item) < start : position(item) > start));
    }
    const page = input.Limit === undefined ? matching : matching.slice(0, input.Limit);
    const last = page[page.length - 1];
    // As DynamoDB: a page cut by Limit has a LastEvaluatedKey, even when nothing follows.
    const lastKey = last && page.length === input.Limit ? { [PK]: last[PK], [SK]: last[SK], ...(input.IndexName && { [GSI_PK]: last[GSI_PK], [GSI_SK]: last[GSI_SK] }) } : undefined;
    return { Items: structuredClone(page), LastEvaluatedKey: lastKey };
  }
}
