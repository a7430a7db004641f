/**
 * Builds a value shaped like a JSON schema (the subset structured output uses: object,
 * array, string, number, integer, boolean, null, enum, const, anyOf/oneOf). Used by the
 * offline chat and the fake provider server to answer JSON-mode requests.
 */

/** How to fill the leaves; `key` is the property name (or `""` at the root). */
export interface SampleChoices {
  /** Picks one of an enum's values; defaults to the first. */
  pickEnum?: (options: unknown[], key: string) => unknown;
  /** A string leaf's value; defaults to the property name. */
  text?: (key: string) => string;
}

type Schema = Record<string, unknown>;

/** A value that satisfies `schema` (best effort: `$ref`, patterns and formats are ignored). */
export function sampleFromSchema(schema: Schema, choices: SampleChoices = {}, key = ""): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return choices.pickEnum ? choices.pickEnum(schema.enum, key) : schema.enum[0];
  }
  if ("const" in schema) return schema.const;
  const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) return sampleFromSchema(variants[0], choices, key);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== "null") ?? types[0];
  switch (type) {
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      return Object.fromEntries(
        Object.entries(properties).map((
          [name, property],
        ) => [name, sampleFromSchema(property, choices, name)]),
      );
    }
    case "array": {
      const count = typeof schema.minItems === "number" ? schema.minItems : 0;
      const items = (schema.items ?? {}) as Schema;
      return Array.from({ length: count }, () => sampleFromSchema(items, choices, key));
    }
    case "string":
      return choices.text ? choices.text(key) : key || "text";
    case "number":
    case "integer":
      return typeof schema.minimum === "number" ? schema.minimum : 0;
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return schema.properties ? sampleFromSchema({ ...schema, type: "object" }, choices, key) : {};
  }
}
