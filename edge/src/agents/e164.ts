// Dialled numbers as carriers write them: a SIP user part or a stream parameter, with or without the "+".

/** "+14155550123" for "+14155550123" or "14155550123"; null for anything that is not an E.164 number. */
export function asE164(text: string | null | undefined): string | null {
  const match = /^\+?([1-9]\d{6,14})$/.exec(text?.trim() ?? '');
  return match ? `+${match[1]}` : null;
}
