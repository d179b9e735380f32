/**
 * Snowflake's rule for unquoted identifiers, the form the SNOW_DATABASE, SNOW_SCHEMA and
 * SNOW_WAREHOUSE settings must take: they are written into the setup scripts as plain words,
 * so anything that would need double quotes (spaces, dots, quotes) is refused up front
 * instead of becoming broken — or injected — SQL.
 */
const UNQUOTED_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,254}$/;

/** Why `name` is not a Snowflake unquoted identifier, or null when it is one. */
export function identifierProblem(name: string): string | null {
  if (UNQUOTED_IDENTIFIER.test(name)) return null;
  return 'must be a Snowflake identifier: a letter or _ first, then letters, digits, _ or $ (at most 255)';
}
