// A Stryker ignorer (stryker.config.mjs, `ignorers: ["documentation"]`): the prose and examples
// the schemas carry for the API document — v.description(…), the `description` and `examples` of
// v.metadata({…}), arguments to a schema helper's parameter named `about`, and the *_ABOUT /
// *_EXAMPLE constants — are not mutated. A change to them
// changes no behaviour; it changes the document, and test/openapi/client-types.test.ts (the full
// suite) fails on any change to the document against the committed client types. Rules in
// v.metadata (maxLength, format, minimum…) are still mutated.

import { declareValuePlugin, PluginKind } from "@stryker-mutator/api/plugin";

const REASON = "API document prose or example: guarded by test/openapi/client-types.test.ts in the full suite";

function isCallOf(node, name) {
  return node?.type === "CallExpression" && node.callee.type === "MemberExpression" && node.callee.property.name === name;
}

/** An argument passed to a parameter named `about` of a helper defined in the same file. */
function isAboutArgument(path) {
  const call = path.parentPath?.node;
  if (call?.type !== "CallExpression" || call.callee.type !== "Identifier") return false;
  const index = call.arguments.indexOf(path.node);
  const helper = path.scope.getBinding(call.callee.name)?.path.node;
  const params = helper?.type === "VariableDeclarator" ? helper.init?.params : helper?.params;
  return index >= 0 && params?.[index]?.name === "about";
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, "documentation", {
    shouldIgnore(path) {
      for (let current = path; current; current = current.parentPath) {
        const { node, parentPath } = current;
        if (isCallOf(node, "description")) return REASON;
        if (node.type === "ObjectProperty" && ["description", "examples"].includes(node.key.name) && isCallOf(parentPath?.parentPath?.node, "metadata")) return REASON;
        if (node.type === "VariableDeclarator" && /_(ABOUT|EXAMPLE)$/.test(node.id.name ?? "")) return REASON;
        if (isAboutArgument(current)) return REASON;
      }
      return undefined;
    },
  }),
];
