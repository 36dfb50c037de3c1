// A Stryker ignorer (stryker.config.mjs, `ignorers: ["documentation"]`): the prose and examples
// the schemas carry for the API document — v.description(…), the `description` and `examples` of
// v.metadata({…}) (and a v.metadata({…}) holding nothing else), any literal `description`,
// `example` or `examples` property, arguments to a schema helper's parameter named `about`, and
// the *_ABOUT / *_EXAMPLE constants — are not mutated. A change to
// them changes no behaviour; it changes the document, and test/openapi/client-types.test.ts (the
// full suite) fails on any change to the document against the committed client types. Rules in
// v.metadata (maxLength, format, minimum…) are still mutated.

import { declareValuePlugin, PluginKind } from "@stryker-mutator/api/plugin";

const REASON = "API document prose or example: guarded by test/openapi/client-types.test.ts in the full suite";

function isCallOf(node, name) {
  return node?.type === "CallExpression" && node.callee.type === "MemberExpression" && node.callee.property.name === name;
}

/**
 * Which top-level helpers of the file take an `about` parameter, and where: read when the walk
 * enters the file (Program), before Stryker has rewritten any of it.
 */
let aboutParameters = new Map();

function collectAboutParameters(program) {
  aboutParameters = new Map();
  for (const statement of program.body) {
    const declaration = statement.type === "ExportNamedDeclaration" ? statement.declaration : statement;
    const functions =
      declaration?.type === "FunctionDeclaration"
        ? [[declaration.id?.name, declaration]]
        : declaration?.type === "VariableDeclaration"
          ? declaration.declarations.map((declarator) => [declarator.id.name, declarator.init])
          : [];
    for (const [name, fn] of functions) {
      const index = (fn?.type?.endsWith("FunctionExpression") || fn?.type === "FunctionDeclaration" ? fn.params : []).findIndex((param) => param.name === "about");
      if (index >= 0) aboutParameters.set(name, index);
    }
  }
}

/** An argument passed to a parameter named `about` of a helper defined in the same file. */
function isAboutArgument(path) {
  const call = path.parentPath?.node;
  if (call?.type !== "CallExpression" || call.callee.type !== "Identifier") return false;
  const index = aboutParameters.get(call.callee.name);
  return index !== undefined && call.arguments[index] === path.node;
}

/** `description: "…"`, `example: "…"`, `examples: […]` given as literals (not a field's schema). */
function isProseProperty(node) {
  return (
    node.type === "ObjectProperty" &&
    ["description", "example", "examples"].includes(node.key?.name) &&
    ["StringLiteral", "TemplateLiteral", "ArrayExpression"].includes(node.value.type)
  );
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, "documentation", {
    shouldIgnore(path) {
      if (path.node.type === "Program") collectAboutParameters(path.node);
      for (let current = path; current; current = current.parentPath) {
        const { node, parentPath } = current;
        if (isCallOf(node, "description")) return REASON;
        if (node.type === "ObjectExpression" && isCallOf(parentPath?.node, "metadata") && node.properties.every((p) => ["description", "examples"].includes(p.key?.name))) return REASON;
        if (node.type === "ObjectProperty" && ["description", "examples"].includes(node.key.name) && isCallOf(parentPath?.parentPath?.node, "metadata")) return REASON;
        if (node.type === "VariableDeclarator" && /_(ABOUT|EXAMPLE)$/.test(node.id.name ?? "")) return REASON;
        if (isAboutArgument(current)) return REASON;
        if (isProseProperty(node)) return REASON;
      }
      return undefined;
    },
  }),
];
