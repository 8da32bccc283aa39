// Signing in through the organisation's own identity provider (OpenID Connect).
export const nl = {
  'signIn.oidcTitle': 'Aanmelden via uw organisatie',
  'signIn.oidcIntro': 'Kies uw organisatie; u meldt zich aan bij de identiteitsdienst van uw organisatie en komt daarna hier terug.',
  'signIn.oidcSubmit': 'Aanmelden via mijn organisatie',
  'signIn.oidcOrganisation': 'Uw organisatie',
  'signIn.refused': 'De aanmelding is geweigerd. Probeer het opnieuw of vraag de beheerder van uw organisatie om hulp.',
};

export const en: Record<keyof typeof nl, string> = {
  'signIn.oidcTitle': 'Sign in through your organisation',
  'signIn.oidcIntro': 'Choose your organisation; you sign in at its identity provider and come back here.',
  'signIn.oidcSubmit': 'Sign in through my organisation',
  'signIn.oidcOrganisation': 'Your organisation',
  'signIn.refused': 'The sign-in was refused. Try again, or ask your organisation’s administrator for help.',
};
