// Masking of credential-like values in free text (operator reasons, names read from the cloud)
// before it reaches outputs, errors, logs or reviews (safety invariant 5). Pure: plan/ and review/
// both import it.
import { CREDENTIAL_NAME } from "./config/values";

// What a credential's value is: `****` already masked (so masking twice changes nothing), a quoted
// string on one line (escapes kept inside), a quote never closed on its line (the rest of the
// line), or a run of non-space characters (`first` excludes what may not start it).
const value = (first: string) =>
    String.raw`\*{4}(?![^\s,;)\]}])|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|["'][^\n]*|[^\s"'${first}]\S*`;
// `password=x`, `db_passwd: x`, `"token": "x"`, `'api_key' = 'x'`, `secretKey: x`: a key holding a
// credential name (the one CREDENTIAL_NAME the config's checks use) anywhere, maybe quoted, then
// `=` or `:`. A longer word that holds one (`secretary: alice`) is masked too: masking a value
// that is no credential costs a reader a word, missing one (`passwordfile: x`) leaks it.
const ASSIGNED = new RegExp(
    String.raw`(?<key>(?:${CREDENTIAL_NAME.source})[\w.-]*["']?\s*[=:]\s*)(?:${value("")})`,
    "gi",
);
// `--password x`, `secret x`: the credential name as a whole word, then spaces; `tokens of
// trust` and `secretary` are words of their own.
const SPACED = new RegExp(
    String.raw`(?<key>(?<![\w-])[\w-]*(?:${CREDENTIAL_NAME.source})(?![\w.-])["']?\s+)(?:${value("=:")})`,
    "gi",
);

/**
 * Replaces what looks like a credential in `text` with `****`, keeping its key: a bearer token,
 * the value after a key named like a credential (CREDENTIAL_NAME in components/config/values.ts:
 * password, passwd, secret, token, credential, api key, private key; any case, anywhere in a
 * longer key, quoted as in JSON or YAML) and `=`, `:` or spaces, quoted or not (a quote never
 * closed is masked to the end of its line), and the password of a URL's userinfo. Masking twice
 * gives the same text.
 */
export function maskSecrets(text: string): string {
    return text
        .replace(/(bearer\s+)[^\s"']+/gi, "$1****")
        .replace(ASSIGNED, "$<key>****")
        .replace(SPACED, "$<key>****")
        .replace(/(:\/\/[^/\s:@]+:)[^/\s@]+@/g, "$1****@");
}
