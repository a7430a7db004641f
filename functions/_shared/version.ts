/** Comptoir's release, reported by `health`. */
export const VERSION = "0.1.0";

/**
 * The newest migration these functions were written against. `health` reports `behind` when
 * the database has not reached it; a test fails when it is not the newest file in
 * supabase/migrations, so it cannot go stale.
 */
export const SCHEMA_VERSION = "20261208140000";
