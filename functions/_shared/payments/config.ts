/**
 * The payments' settings from the environment: each provider's API base URL (the real one
 * unless PAYMENTS_<PROVIDER>_URL points elsewhere: the local stack's stand-ins, tests' fakes)
 * and where the customer lands after paying.
 */
import type { Env } from "../env.ts";
import type { ProviderName } from "./provider.ts";
import type { PaymentsConfig } from "./service.ts";

const VARIABLES: Record<ProviderName, string> = {
  wave: "PAYMENTS_WAVE_URL",
  cinetpay: "PAYMENTS_CINETPAY_URL",
  paydunya: "PAYMENTS_PAYDUNYA_URL",
  orange_money: "PAYMENTS_ORANGE_MONEY_URL",
};

export function paymentsConfigFromEnv(env: Env): PaymentsConfig {
  const baseUrls: Partial<Record<ProviderName, string>> = {};
  for (const [name, variable] of Object.entries(VARIABLES) as [ProviderName, string][]) {
    if (env.raw[variable]) baseUrls[name] = env.raw[variable];
  }
  return {
    functionsUrl: env.raw.PAYMENTS_FUNCTIONS_URL ?? `${env.supabaseUrl.replace(/\/$/, "")}/functions/v1`,
    baseUrls,
    successUrl: env.raw.PAYMENTS_SUCCESS_URL,
    errorUrl: env.raw.PAYMENTS_ERROR_URL,
  };
}
