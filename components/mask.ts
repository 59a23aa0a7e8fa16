// Masking of credential-like values in free text (operator reasons, names read from the cloud)
// before it reaches outputs, errors, logs or reviews (safety invariant 5). Pure: plan/ and review/
// both import it.
import { CREDENTIAL_NAME } from "./config/credential-name";

// What a credential's value is: `****` already masked (so masking twice changes nothing), a quoted
// string on one line (escapes kept inside), a quote never closed on its line (the rest of the
// line), a `{...}` or `[...]` up to its first closing bracket (the rest of the text if none), or a
// run of non-space characters (`first` excludes what may not start it).
const value = (first: string) =>
    String.raw`\*{4}(?![^\s,;)\]}])|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|["'][^\n]*|\{[^}]*\}?|\[[^\]]*\]?|[^\s"'${first}]\S*`;
// `password=x`, `db_passwd: x`, `"token": "x"`, `'api_key' = 'x'`, `secretKey: x`: a key holding a
// credential name (the one CREDENTIAL_NAME the config's checks use) anywhere, maybe quoted, then
// `=`, `:`, `:=`, `=>` or `->`. A longer word that holds one (`secretary: alice`) is masked too:
// masking a value that is no credential costs a reader a word, missing one (`passwordfile: x`)
// leaks it.
const ASSIGNED = new RegExp(
    String.raw`(?<key>(?:${CREDENTIAL_NAME.source})[\w.-]*["']?\s*(?::=|=>|->|[=:])\s*)(?:${value("")})`,
    "gi",
);
// `--password x`, `secret x`, `password, x`, `password — x`, `password is: x`, `the password for
// admin is x`: the credential name as a whole word, then spaces, a comma or a dash (and `is` or
// `was`, maybe after `for` and one word, maybe with `:`); `tokens of trust` and `secretary` are
// words of their own. A credential name next (`secret token x`) is no value: the match starts
// again at it. `password -> x` is ASSIGNED's.
const SPACED = new RegExp(
    String.raw`(?<key>(?<![\w-])(?<flag>-*)[\w-]*(?:${CREDENTIAL_NAME.source})(?![\w.-])["']?` +
        String.raw`(?:\s*[,\u2013\u2014]\s*|\s+-{1,2}\s+|\s+)(?:(?:for\s+\S+\s+)?(?:is|was)\s*:?\s+)?)` +
        String.raw`(?!->|(?:${CREDENTIAL_NAME.source})(?![\w.-]))(?<value>${value("=:")})`,
    "gi",
);
// The words that make `token request failed` prose, not a token's value: after a credential's name
// and spaces, one of these exactly (lowercase, maybe closing a sentence or clause) is kept. A
// closed list, so what it lets through is one of these words and nothing else; any other word is
// taken for a value (fail closed), and so is any word after a flag (`--token failed`).
const PROSE = new Set([
    "and",
    "expired",
    "failed",
    "file",
    "for",
    "from",
    "in",
    "invalid",
    "missing",
    "not",
    "of",
    "or",
    "plugin",
    "refused",
    "rejected",
    "request",
    "revoked",
    "was",
    "with",
]);

// A PEM private key (`-----BEGIN RSA PRIVATE KEY-----`, OPENSSH, EC, ENCRYPTED, PGP's `PRIVATE KEY
// BLOCK`; RFC 7468 labels): its body to the END line, or to the end of a text cut before it.
const PEM_PRIVATE_KEY =
    /(?<begin>-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----)[\s\S]*?(?<end>-----END [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----|$)/g;
// An HTTP `Authorization` or `Proxy-Authorization` header (RFC 9110 11.6.2, 11.7.2): its scheme
// kept, its credentials masked, with every `name=value` parameter after them (Digest's hold
// credentials too), up to a quote that closes the header's value.
const AUTHORIZATION =
    /(?<key>authorization["']?[ \t]*[=:][ \t]*["']?(?:[a-z][\w-]*[ \t]+)?)(?:[^\s"']|(?<==)"[^"\n]*")+(?:[ \t]+[\w-]+=(?:[^\s"']|(?<==)"[^"\n]*")*)*/gi;

// `Bearer x`, `bearer: x`; `Bearer token x` is SPACED's (the token's value is after its name).
const BEARER = new RegExp(
    String.raw`(bearer(?:\s*[:=]\s*|\s+))(?!(?:${CREDENTIAL_NAME.source})\s)[^\s"']+`,
    "gi",
);

function maskSpaced(match: string, ...args: unknown[]): string {
    const { key, flag, value: word } = args[args.length - 1] as Record<string, string>;
    const prose = flag === "" && PROSE.has(word.replace(/[.,;:)]$/, ""));
    return prose ? match : `${key}****`;
}

/**
 * Replaces what looks like a credential in `text` with `****`, keeping its key: a PEM private
 * key's body, an `Authorization` header's credentials, a bearer token, the value after a key named
 * like a credential (CREDENTIAL_NAME in components/config/credential-name.ts: password, passwd,
 * secret, token, credential, api key, private key; any case, anywhere in a longer key, quoted as
 * in JSON or YAML) and `=`, `:`, `:=`, `=>` or `->`, quoted, bracketed or not (a quote never
 * closed is masked to the end of its line), the word after such a name as a whole word and
 * spaces, a comma or a dash (and `is`, `was`, `for <word> is`) unless it is one of a closed list of
 * prose words (`token request failed` reads as written, `secret x` and `--token failed` do not),
 * and the password of a URL's userinfo. Masking twice gives the same text.
 */
export function maskSecrets(text: string): string {
    return text
        .replace(PEM_PRIVATE_KEY, "$<begin>****$<end>")
        .replace(AUTHORIZATION, "$<key>****")
        .replace(BEARER, "$1****")
        .replace(ASSIGNED, "$<key>****")
        .replace(SPACED, maskSpaced)
        .replace(/(:\/\/[^/\s:@]+:)[^/\s@]+@/g, "$1****@");
}
