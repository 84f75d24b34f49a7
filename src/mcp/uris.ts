/** URIs of the audit resources (transcripts and the audit list). */
export const AUDITS_URI = "petri://audits";
export const TRANSCRIPT_URI = (auditId: string) => `petri://audits/${auditId}/transcript`;
