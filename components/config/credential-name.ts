// The credential name on its own, with no import: the command line's usage errors mask with it
// (components/mask.ts) and must load nothing heavy.

/**
 * A key named like a credential (no key of the schema is). The review shows such a key's value
 * as "(not shown)"; a custom check's environment variable named so must be a Pulumi secret.
 * `api key` and `private key` with `-`, `_`, a space or nothing between. `pw` and `pwd` only as a
 * part of their own (`DB_PW`, `pwd`, `OS_PWD2`), never inside a word (`upward`, `pwm`); a part
 * in camel case (`adminPw`) is not told apart from a word, so it is not matched.
 */
export const CREDENTIAL_NAME =
    /passw(or)?d|passphrase|secret|token|credential|api[-_ ]?key|private[-_ ]?key|(?<![a-z])pwd?(?![a-z])/i;
