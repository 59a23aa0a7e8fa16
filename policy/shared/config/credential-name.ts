// Copied from components/config/credential-name.ts by `npm run policy:shared`: edit the original.
// The credential name on its own, with no import: the command line's usage errors mask with it
// (components/mask.ts) and must load nothing heavy.

/**
 * A key named like a credential (no key of the schema is). The review shows such a key's value
 * as "(not shown)"; a custom check's environment variable named so must be a Pulumi secret.
 * `api key` and `private key` with `-`, `_`, a space or nothing between.
 */
export const CREDENTIAL_NAME = /passw(or)?d|secret|token|credential|api[-_ ]?key|private[-_ ]?key/i;
