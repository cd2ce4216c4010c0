import { createRequire } from 'node:module';
import type {
  JsonSchemaType,
  JsonSchemaValidator,
  jsonSchemaValidator,
} from '@modelcontextprotocol/sdk/validation/types.js';

type AjvProvider = typeof import('@modelcontextprotocol/sdk/validation/ajv');

/**
 * Takes the place of the MCP SDK's ajv validator in the bundle (scripts/build.js swaps the module): the
 * SDK's server constructs one at start-up, but only asks it to validate when it elicits input from the
 * user, which testloop does not do. ajv with its formats and URI parser is a third of the server's code and
 * a good part of `testloop mcp`'s start; here it is loaded on the first validation, and then validates
 * exactly as the SDK's own (it is the SDK's own, from its CommonJS build, with the same ajv options).
 */
export class AjvJsonSchemaValidator implements jsonSchemaValidator {
  #real: jsonSchemaValidator | undefined;
  readonly #ajv: unknown;

  constructor(ajv?: unknown) {
    this.#ajv = ajv;
  }

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    // The interface is synchronous, so the loading is too: a require of the SDK's CommonJS build.
    this.#real ??= new (loadAjvProvider().AjvJsonSchemaValidator)(
      this.#ajv as ConstructorParameters<AjvProvider['AjvJsonSchemaValidator']>[0],
    );
    return this.#real.getValidator<T>(schema);
  }
}

function loadAjvProvider(): AjvProvider {
  return createRequire(import.meta.url)('@modelcontextprotocol/sdk/validation/ajv') as AjvProvider;
}
