// The ids the API issues (`act_`, `we_`, `del_`, `evt_` + a lowercase UUID) and the one schema
// per kind of id that reads them in a path, a query or a body: the issued form, also without
// the prefix and in any letter case, parsed to the bare lowercase UUID the database takes. The
// document states the issued form (JSON Schema patterns have no flags); the same schema object
// checks requests, so the handler and the document cannot disagree.

import * as v from "valibot";
import type { PathParam } from "./declaration.ts";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

/** `^act_<uuid>$`: an id as issued, for response schemas. */
export function issuedId(prefix: string): RegExp {
  return new RegExp(`^${prefix}_${UUID}$`);
}

export interface ResourceId extends PathParam<string> {
  /** The id as issued. */
  issued: RegExp;
  /** The same rule as a query or body field: `message` when refused, `description` in the document. */
  field(message: string, description: string): v.GenericSchema<string, string>;
}

export function resourceId(options: {
  prefix: string;
  /** What a refused path value answers, e.g. activity_not_found. */
  notFound: PathParam["notFound"]["code"];
  /** "activity" in `No activity with id "…" exists in this workspace.` */
  noun: string;
  /** "in this workspace", "for this endpoint". */
  within: string;
  /** The path parameter's description and example. */
  description: string;
  example: string;
}): ResourceId {
  const issued = issuedId(options.prefix);
  const prefix = `${options.prefix}_`;
  const canonical = (text: string) => {
    const lower = text.toLowerCase();
    return lower.startsWith(prefix) ? lower : prefix + lower;
  };
  const rule = v.pipe(
    v.string(),
    v.check((text: string) => issued.test(canonical(text))),
    v.metadata({ pattern: issued.source }),
  );
  const toUuid = v.transform((text: string) => canonical(text).slice(prefix.length));
  return {
    issued,
    schema: v.pipe(rule, v.metadata({ description: options.description, examples: [options.example] }), toUuid),
    notFound: {
      code: options.notFound,
      message: (value) => `No ${options.noun} with id ${JSON.stringify(value.slice(0, 100))} exists ${options.within}.`,
    },
    field: (message, description) => v.pipe(v.message(rule, message), v.description(description), toUuid),
  };
}
