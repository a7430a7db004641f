/**
 * French relative times for the feed, as the older dashboard printed them: « à l'instant »
 * under a minute, « il y a 5 min », « il y a 2 h », « hier », « il y a 3 jours », then the date.
 */
const short = new Intl.RelativeTimeFormat("fr", { numeric: "auto", style: "short" });
const long = new Intl.RelativeTimeFormat("fr", { numeric: "auto" });
const date = new Intl.DateTimeFormat("fr", { day: "numeric", month: "short", timeZone: "Africa/Dakar" });

export function relativeTime(at: Date, now: Date): string {
  // Intl separates « 5 » and « min » with a narrow no-break space: plain spaces for the feed.
  return phrase(at, now).replace(/[\u202f\u00a0]/g, " ");
}

function phrase(at: Date, now: Date): string {
  const seconds = Math.round((now.getTime() - at.getTime()) / 1000);
  if (seconds < 60) return "à l'instant";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return short.format(-minutes, "minute");
  const hours = Math.floor(minutes / 60);
  // « hier » is the calendar day before (Dakar is UTC+0), not 24 hours ago.
  const days = Math.round(
    (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) -
      Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())) / 86_400_000,
  );
  if (days === 0) return short.format(-hours, "hour");
  if (days < 7) return long.format(-days, "day");
  return `le ${date.format(at)}`;
}
