// npm run token -- --org <organisation id> --role <ROLE> [--purpose text] [--sub subject] [--hours N]
// npm run token -- --list
import { parseArgs } from 'node:util';
import { signDevToken } from '../auth/dev-token.ts';
import { fail, type Command } from './command.ts';
import { DEMO_ORGANISATIONS } from '../demo/region.ts';
import { ROLES_BY_KIND } from '../policy/policy.ts';
import { ROLES, type Role } from '../policy/vocabulary.ts';

export const run: Command = async (io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: io.args,
      options: {
        org: { type: 'string' },
        role: { type: 'string' },
        purpose: { type: 'string' },
        sub: { type: 'string' },
        hours: { type: 'string' },
        list: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail(io, `${(error as Error).message}\nusage: npm run token -- --org <organisation id> --role <ROLE> | --list`);
  }

  if (values.list) {
    for (const org of DEMO_ORGANISATIONS) io.out(`${org.id}\t${org.kind}\t${org.name}\n`);
    return 0;
  }

  if (io.env.NODE_ENV === 'production' && io.env.ALLOW_DEMO_ISSUER_IN_PRODUCTION !== 'true')
    fail(io, 'refusing to mint demo tokens with NODE_ENV=production: the demo issuer key is public (set ALLOW_DEMO_ISSUER_IN_PRODUCTION=true only on purpose)');

  if (!values.org || !values.role) fail(io, 'usage: npm run token -- --org <organisation id> --role <ROLE>   (organisations: npm run token -- --list)');
  const organisation = DEMO_ORGANISATIONS.find((org) => org.id === values.org);
  if (!organisation) fail(io, `unknown organisation "${values.org}": see npm run token -- --list`);
  const role = values.role.toUpperCase() as Role;
  if (!ROLES.includes(role)) fail(io, `unknown role "${values.role}": one of ${ROLES.join(', ')}`);
  if (!ROLES_BY_KIND[organisation.kind].includes(role))
    fail(io, `organisations of kind ${organisation.kind} have no role ${role}; they have ${ROLES_BY_KIND[organisation.kind].join(', ')}`);
  const hours = values.hours ? Number(values.hours) : 8;
  if (!Number.isFinite(hours) || hours <= 0 || hours > 12) fail(io, '--hours must be a number above 0 and at most 12');

  io.out(
    `${signDevToken({
      organisationId: organisation.id,
      role,
      lifetimeSeconds: Math.round(hours * 3600),
      ...(values.purpose ? { purpose: values.purpose } : {}),
      ...(values.sub ? { subject: values.sub } : {}),
    })}\n`,
  );
};
