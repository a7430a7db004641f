/**
 * Everything the chat says to a visitor in its own words (French), in one place: holding
 * replies, the clarifying question, the offline notice, the refusals. Agents' own texts
 * (greetings, prompts) are the company's data.
 */
import type { AgentProfile } from "./router.ts";

/** The message of every 429. */
export const RATE_LIMITED = "Trop de messages. Veuillez patienter.";

/** Holding replies: the bot is paused while a human takes over. */
export const HOLDING = {
  paused:
    "Votre demande a bien été transmise à notre équipe : un membre vous répondra ici dès que possible. " +
    "Merci de votre patience !",
  visitor_request: "Bien sûr ! Je transmets votre demande à un membre de l'équipe, qui vous répondra ici " +
    "dès que possible.",
  low_confidence:
    "Je ne suis pas sûre de bien comprendre votre demande : je la transmets à un membre de l'équipe, " +
    "qui vous répondra ici dès que possible.",
} as const;

/** Offline, with nothing found in the knowledge base. */
export const OFFLINE_NO_PASSAGES =
  "Vous pouvez reformuler votre question, ou écrire « parler à un humain » pour " +
  "qu'un membre de l'équipe vous réponde.";

/** Every provider failed (503): the message is kept and a human will answer. */
export const NO_MODEL_ANSWERED =
  "Aucun modèle de langage n'a pu répondre. Votre message est bien enregistré : " +
  "un membre de l'équipe vous répondra.";

/** The company's monthly budget is spent (and no cheaper model is set): no model answers. */
export const BUDGET_REACHED =
  "Notre assistant ne peut plus répondre pour le moment : sa limite d'utilisation du mois est atteinte. " +
  "Votre message est bien enregistré. Écrivez « parler à un humain » pour qu'un membre de l'équipe vous " +
  "réponde, ou revenez un peu plus tard. Merci de votre compréhension !";

/** What an escalation records (the team's feed reads it). */
export const ESCALATION_DETAILS = {
  visitor_request: "Demande du visiteur dans le chat",
  low_confidence: (turns: number) => `${turns} messages de suite sans experte évidente`,
} as const;

/** The generic assistant of a company without agents. */
export const DEFAULT_AGENT_TEXT = {
  name: "Assistant",
  systemPrompt: "Tu es l'assistant de l'entreprise. Réponds uniquement à partir des extraits de la base de " +
    "connaissances fournis, cite-les sous la forme [doc:ID], et dis-le clairement quand ils ne couvrent pas la question.",
  greeting: "Bonjour !",
};

/** An offline reply opens with the agent's greeting (the offline text itself says no model wrote it). */
export function offlineOpening(agent: { name: string; greeting: string | null }): string {
  return `${agent.greeting?.trim() || `Bonjour, ici ${agent.name}.`}\n\n`;
}

/** Which agent? The company's agents and what each one does, in one short question. */
export function clarifyingReply(agents: AgentProfile[]): string {
  const list = agents.map((a) => `${a.name}${a.expertise ? ` (${a.expertise.replace(/\.$/, "")})` : ""}`);
  return `Bonjour ! Pour bien vous orienter, pouvez-vous préciser votre question ? ` +
    `Nos expertes : ${list.join(" ; ")}.`;
}
