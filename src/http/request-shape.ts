// Requests yoga cannot read become GraphQL-shaped refusals with a code: a content type it has no
// parser for (yoga answers 415 with an empty body), and `variables` or `extensions` that are not
// JSON in a GET query string or a form body (yoga's JSON.parse throws, which would be masked as an
// internal error).
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const READABLE = 'application/json, application/graphql+json, application/graphql, application/x-www-form-urlencoded or multipart/form-data';

export function useReadableRequests(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) {
        const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().slice(0, 100);
        setRequestParser(() => {
          throw new GraphQLError(`The hub cannot read a request body of type "${type || 'none'}": send ${READABLE}`, {
            extensions: { code: 'UNSUPPORTED_MEDIA_TYPE', http: { status: 415 } },
          });
        });
        return;
      }
      setRequestParser(async (req) => {
        try {
          return await requestParser(req);
        } catch (error) {
          if (error instanceof SyntaxError)
            throw new GraphQLError('The request could not be read: variables and extensions must be JSON objects', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          throw error;
        }
      });
    },
  };
}
