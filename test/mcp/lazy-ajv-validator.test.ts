import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator as SdkValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { describe, expect, it } from 'vitest';
import { AjvJsonSchemaValidator } from '../../src/mcp/lazy-ajv-validator.ts';

// The build puts this validator where the SDK's server imports its ajv one (scripts/mcp-startup.js).
const SCHEMA = {
  type: 'object',
  properties: { email: { type: 'string', format: 'email' }, count: { type: 'integer', minimum: 1 } },
  required: ['email'],
} as const;

describe('the lazily loading ajv validator', () => {
  it('answers as the SDK validator does, formats included', () => {
    const lazy = new AjvJsonSchemaValidator().getValidator(SCHEMA);
    const sdk = new SdkValidator().getValidator(SCHEMA);
    const inputs = [
      { email: 'a@example.com', count: 2 },
      { email: 'not an address' },
      { email: 'a@example.com', count: 0 },
      { count: 3 },
      'text',
    ];
    for (const input of inputs) expect(lazy(input)).toEqual(sdk(input));
    expect(lazy({ email: 'a@example.com' })).toEqual({
      valid: true,
      data: { email: 'a@example.com' },
      errorMessage: undefined,
    });
    expect(lazy({ email: 'not an address' })).toMatchObject({
      valid: false,
      errorMessage: 'data/email must match format "email"',
    });
  });

  it('validates an elicitation answer inside the SDK server', async () => {
    const server = new Server(
      { name: 'test', version: '1' },
      { capabilities: {}, jsonSchemaValidator: new AjvJsonSchemaValidator() },
    );
    const [client, serverSide] = InMemoryTransport.createLinkedPair();
    // A client speaking the wire protocol itself, so that only the server's validation judges the answer.
    let answer: Record<string, unknown> = {};
    client.onmessage = (message: JSONRPCMessage) => {
      if (!('id' in message) || !('method' in message)) return;
      const result =
        message.method === 'initialize'
          ? { protocolVersion: message.params?.protocolVersion, capabilities: {}, serverInfo: {} }
          : { action: 'accept', content: answer };
      void client.send({ jsonrpc: '2.0', id: message.id, result } as JSONRPCMessage);
    };
    await server.connect(serverSide);
    await client.start();
    await client.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: { elicitation: {} },
        clientInfo: { name: 'raw', version: '1' },
      },
    });
    await client.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const ask = () => server.elicitInput({ message: 'Your address?', requestedSchema: SCHEMA as never });

    answer = { email: 'a@example.com' };
    await expect(ask()).resolves.toEqual({ action: 'accept', content: answer });
    answer = { email: 'nope' };
    await expect(ask()).rejects.toThrow('data/email must match format "email"');
    await server.close();
  });
});
