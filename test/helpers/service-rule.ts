/**
 * The one rule for the real services tests need (the Kafka broker, the Snowflake emulator…):
 * when one cannot be had, its tests are skipped with the reason, except in CI (CI=true), where
 * they must run and the missing service is a failure.
 */

/**
 * Applies the rule to a service that is missing: throws under CI=true, else warns that its
 * tests are skipped. `service` names what is required ("a real Kafka broker"), `reason` why it
 * is not there and how to get it.
 */
export function serviceUnavailable(service: string, reason: string): void {
  if (process.env.CI === 'true') throw new Error(`CI=true requires ${service}: ${reason}`);
  console.warn(`skipping the tests that need ${service}: ${reason}`);
}
