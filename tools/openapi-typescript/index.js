// openapi-typescript behind one function, in its own workspace package: it drives the TypeScript 5
// compiler API (ts.factory, the printer), which the project's TypeScript 7 no longer has, so this
// package carries its own typescript@5 and nothing else sees it.

import openapiTS, { astToString } from "openapi-typescript";

/**
 * TypeScript declarations (`paths`, `components`, `operations`, `webhooks`) for an OpenAPI 3.1
 * document given as an object.
 */
export async function generateTypes(document) {
  const ast = await openapiTS(structuredClone(document), { silent: true });
  return astToString(ast);
}
