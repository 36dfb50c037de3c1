/**
 * TypeScript declarations (`paths`, `components`, `operations`, `webhooks`) for an OpenAPI 3.1
 * document given as an object.
 */
export function generateTypes(document: object): Promise<string>;
