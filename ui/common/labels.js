// Plain words for the API's codes, in Dutch and English.

export const ACTIONS = {
  nl: {
    view: 'bekeken',
    search: 'opgezocht',
    create: 'vastgelegd',
    update: 'gewijzigd',
    delete: 'verwijderd',
    export: 'geëxporteerd',
    print: 'afgedrukt',
    provide: 'verstrekt',
  },
  en: {
    view: 'viewed',
    search: 'looked up',
    create: 'recorded',
    update: 'changed',
    delete: 'deleted',
    export: 'exported',
    print: 'printed',
    provide: 'provided',
  },
};

export const CATEGORIES = {
  nl: {
    health: 'gezondheid',
    criminal: 'strafrechtelijke gegevens',
    ethnicity: 'etnische afkomst',
    religion: 'godsdienst of levensovertuiging',
    political: 'politieke opvattingen',
    sexual_life: 'seksueel leven of seksuele gerichtheid',
    biometric: 'biometrische gegevens',
    genetic: 'genetische gegevens',
    trade_union: 'lidmaatschap van een vakbond',
  },
  en: {
    health: 'health',
    criminal: 'criminal records',
    ethnicity: 'ethnic origin',
    religion: 'religion or belief',
    political: 'political opinions',
    sexual_life: 'sex life or sexual orientation',
    biometric: 'biometric data',
    genetic: 'genetic data',
    trade_union: 'trade union membership',
  },
};

// Used only when the server sends no info_text.
export const INFO_LEVELS = {
  nl: {
    wat: 'inhoudelijke gegevens (wat er over u is vastgelegd)',
    dat: 'alleen dát u bekend bent, niet de inhoud',
    cumulative: 'een overzicht dat gegevens uit meerdere bronnen samenbrengt',
  },
  en: {
    wat: 'the content of your records',
    dat: 'only the fact that you are known, not the content',
    cumulative: 'an overview combining data from several sources',
  },
};

export const RECIPIENT_KINDS = {
  nl: {
    processor: 'verwerker die namens de gemeente werkt',
    government: 'andere overheidsinstantie',
    third_party: 'derde partij',
    internal: 'binnen de gemeente',
  },
  en: {
    processor: 'processor working for the municipality',
    government: 'another government body',
    third_party: 'third party',
    internal: 'within the municipality',
  },
};

export const SEVERITIES = { low: 'laag', medium: 'middel', high: 'hoog', critical: 'kritiek' };

export const STATUSES = {
  open: 'open',
  acknowledged: 'in behandeling',
  dismissed: 'afgewezen (vals alarm)',
  confirmed_breach: 'bevestigd datalek',
  reported: 'gemeld bij de AP',
  closed: 'gesloten',
};

export const VERDICTS = { allow: 'toegestaan', review: 'beoordelen', violation: 'overtreding' };

// What the CISO may do next from each status (the server enforces the same lifecycle, 409).
export const TRANSITIONS = {
  open: ['acknowledged', 'dismissed'],
  acknowledged: ['confirmed_breach', 'dismissed', 'closed'],
  confirmed_breach: ['reported'],
  reported: ['closed'],
  dismissed: [],
  closed: [],
};

export const TRANSITION_LABELS = {
  acknowledged: 'In behandeling nemen',
  confirmed_breach: 'Escaleren: datalek bevestigen',
  dismissed: 'Afwijzen als vals alarm',
  reported: 'Gemeld bij de Autoriteit Persoonsgegevens',
  closed: 'Sluiten',
};

// Statuses in which the 72-hour clock still matters.
export const CLOCK_RUNS = new Set(['open', 'acknowledged', 'confirmed_breach']);

// A field the API sends either as a plain id or as {id, name}: its name, else its id.
export function nameOf(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return String(v.name || v.id || '');
  return String(v);
}

export function idOf(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return String(v.id || '');
  return String(v);
}

// "sociaal-domein" -> "sociaal domein" (department ids are kebab-case).
export function humanise(id) {
  return String(id || '').replace(/[-_]+/g, ' ');
}
