// Masking of credential-like values in free text (operator reasons, names read from the cloud)
// before it reaches outputs, errors, logs or reviews (safety invariant 5). Pure: plan/ and review/
// both import it.
import { CREDENTIAL_NAME } from "./config/credential-name";

const NAME = CREDENTIAL_NAME.source;
// Typographic quotes (“…”, „…“, ‘…’, «…», ‹…›) and Markdown's backticks: opening, closing.
const OPEN = "\u201c\u201e\u2018\u201a\u00ab\u2039`";
const CLOSE = "\u201d\u201c\u2019\u2018\u00bb\u203a`";
// Where a quoted value ends: at a closing quote followed by a space, punctuation or the end, so
// an apostrophe inside (`'it's x'`, `‘it’s x’`) does not end it early and leave the rest shown.
const ENDS = (quotes: string) => String.raw`(?![^\s,;.:)\]}${quotes}])`;

// What a credential's value is: `****` already masked (so masking twice changes nothing), JSON
// inside a JSON string (`\"...\"`, its own quotes `\\\"`), a quoted string on one line (escapes
// kept inside), a quote never closed on its line (the rest of the line), a `{...}` or `[...]` up
// to its first closing bracket (the rest of the text if none), or a run of non-space characters.
const VALUE = [
    String.raw`\*{4}(?![^\s,;.)\]}"'])`,
    String.raw`\\"(?:\\\\\\"|\\[^"\n]|[^\\\n])*(?:\\")?`,
    String.raw`"(?:[^\\\n]|\\.)*?"${ENDS("'")}`,
    String.raw`'(?:[^\\\n]|\\.)*?'${ENDS('"')}`,
    String.raw`[${OPEN}][^\n]*?[${CLOSE}]${ENDS("\"'")}`,
    String.raw`["'${OPEN}][^\n]*`,
    String.raw`\{[^}]*\}?`,
    String.raw`\[[^\]]*\]?`,
    String.raw`[^\s"'${OPEN}]\S*`,
].join("|");
// A YAML block scalar's header after its key (YAML 1.2.2 8.1.1): maybe a tag, `|` or `>`, maybe
// indentation and chomping indicators and a comment, then the line's end (or an escaped `\n`).
const BLOCK_INDICATOR = String.raw`(?:![^\s]*[ \t]+)?[|>][1-9+-]{0,2}[ \t]*(?:#[^\n]*?)?(?=\r?\n|(?:\\r)?\\n)`;
// `password=x`, `db_passwd: x`, `"token": "x"`, `'api_key' = 'x'`, `secretKey: x`: a key holding a
// credential name (the one CREDENTIAL_NAME the config's checks use) anywhere, maybe quoted (or
// quoted with escapes, as JSON inside a string), maybe followed by a short `(qualifier)`, then `=`,
// `:`, `:=`, `=>`, `->`, an arrow, a full-width `：` or `＝`, or URL-encoded `%3A` / `%3D`, and
// maybe a YAML tag or anchor (`!secret`, `&pw`), kept. A longer word that holds one (`secretary:
// alice`) is masked too: masking a value that is no credential costs a reader a word, missing one
// (`passwordfile: x`) leaks it. A block scalar's header is not its value: its lines are (BLOCK).
const SEPARATOR = String.raw`(?::=|=>|->|[=:\u2192\u21d2\uff1a\uff1d]|%3[ad])`;
const ASSIGNED = new RegExp(
    String.raw`(?<key>(?:${NAME})[\w.-]*(?:\\?["'])?(?:\s*\([^()\n]{0,40}\))?\s*` +
        String.raw`(?<separator>${SEPARATOR})\s*(?:[!&][^\s|>]*[ \t]+)?)` +
        String.raw`(?!${BLOCK_INDICATOR})(?<value>${VALUE})`,
    "gi",
);
// What may stand between a credential's name and `is`, `was`, `:` or `=`: a preposition and up to
// four words (`password for the admin user is x`). Bounded so that the `is` found is the name's
// own clause, not one sentences on (whose next word would be masked for nothing), and so that
// the expression stays linear on long text.
const BRIDGE = String.raw`(?:for|of|on|in|at|to)(?:\s+[^\s:=;,()]+){1,4}?`;
// `--password x`, `secret x`, `password, x`, `password — x`, `password is: x`, `the password for
// the admin user is x`, `password for admin: x`, `password (was) changed to x`: the credential name
// as a whole word, then spaces, a comma, a dash, `;` or `|` (and `is` or `was`, maybe after a
// BRIDGE, maybe with `:`; or a BRIDGE and `:` or `=`; then maybe `set`/`changed`/`reset`/`updated`
// and `to`); `tokens of trust` and `secretary` are words of their own. No value: a separator
// (ASSIGNED's), a `(qualifier):`, a flag (`--secret --path`), a `<placeholder>`, the end of a PEM
// label (`PRIVATE KEY BLOCK-----`), or a credential's own name (`secret token x`, `password
// (OS_PASSWORD)`), where the match starts again.
// `;` and `|` fail closed: `password; hunter2` and a table's `| password | hunter2 |` are masked,
// and so is the word after `password; make it longer` (unless it is PROSE, as `see` in `password;
// see the docs`): the two cannot be told apart, and a word too many masked costs less than a
// credential shown. Only a key's path ending in the name (`at key openstack:password; YAML ...`,
// `verify.custom[0].env.OS_TOKEN; ...`) is kept: the tool's problems name a key so, then say
// what to do, and a value is given after `:` or `=`, not after `;`.
const SPACED = new RegExp(
    String.raw`(?<key>(?<![\w-])(?<flag>-*)[\w-]*(?:${NAME})(?![\w.-])(?:\\?["'])?` +
        String.raw`(?:\s*[,\u2013\u2014]\s*|(?<clause>\s*[;|]\s*)|\s+-{1,2}\s+|\s+)` +
        String.raw`(?:(?:${BRIDGE}\s+)?(?:is|was)\s*:?\s+|${BRIDGE}\s*(?::(?=\s)|=)\s*)?` +
        String.raw`(?:(?:set|changed|reset|updated)\s+)?(?:to\s+)?)` +
        String.raw`(?!${SEPARATOR}|\([^()\n]{0,40}\)\s*${SEPARATOR}|--[a-z]|<[a-z][\w-]*>|\w*-{5}|\(?(?:[a-z0-9]+_)*(?:${NAME})(?![\w.-]))(?<value>${VALUE})`,
    "gi",
);
// The words that make `token request failed` prose, not a token's value: after a credential's name
// and spaces, one of these exactly (lowercase, maybe closing a sentence or clause, maybe after
// `(`) is kept. A closed list of the words the tool's own messages put there (`is a credential`,
// `named like`, `password auth`, `(the cloud's ...`), so what it lets through is one of these
// words and nothing else; any other word is taken for a value (fail closed), and so is any word
// after a flag (`--token failed`).
const PROSE = new Set([
    "a",
    "an",
    "and",
    "as",
    "at",
    "auth",
    "body",
    "but",
    "by",
    "cannot",
    "expired",
    "failed",
    "file",
    "for",
    "from",
    "goes",
    "got",
    "in",
    "invalid",
    "it",
    "missing",
    "name",
    "named",
    "not",
    "of",
    "on",
    "or",
    "plugin",
    "refused",
    "rejected",
    "request",
    "revoked",
    "see",
    "that",
    "the",
    "was",
    "with",
]);

// A PEM private key (`-----BEGIN RSA PRIVATE KEY-----`, OPENSSH, EC, ENCRYPTED, PGP's `PRIVATE KEY
// BLOCK`; RFC 7468 labels): its body to the END line, or to the end of a text cut before it.
const PEM_PRIVATE_KEY =
    /(?<begin>-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----)[\s\S]*?(?<end>-----END [A-Z0-9 ]*PRIVATE KEY[A-Z0-9 ]*-----|$)/g;
// The authentication schemes of IANA's HTTP Authentication Scheme Registry, and those in common
// use outside it (NTLM, AWS4-HMAC-SHA256, Token, ApiKey).
const SCHEME = String.raw`(?:basic|bearer|concealed|digest|dpop|gnap|hoba|mutual|negotiate|oauth|privatetoken|scram-sha-(?:1|256)|vapid|ntlm|aws4-hmac-sha256|token|apikey)`;
// An HTTP `Authorization` or `Proxy-Authorization` header (RFC 9110 11.6.2, 11.7.2), maybe named
// `... header`: its scheme kept, its credentials masked, with every `name=value` parameter after
// them (Digest's hold credentials too), up to a quote that closes the header's value. After `:`
// or `=` any scheme; after spaces alone only a known SCHEME (`Authorization failed` is prose).
const AUTHORIZATION = new RegExp(
    String.raw`(?<key>authorization(?:[ \t]+header)?["']?(?:[ \t]*[=:][ \t]*["']?(?:[a-z][\w-]*[ \t]+)?|[ \t]+${SCHEME}[ \t]+))` +
        String.raw`(?:[^\s"']|(?<==)"[^"\n]*")+(?:[ \t]+[\w-]+=(?:[^\s"']|(?<==)"[^"\n]*")*)*`,
    "gi",
);

// `Bearer x`, `bearer: x`; `Bearer token x` is SPACED's (the token's value is after its name).
const BEARER = new RegExp(String.raw`(bearer(?:\s*[:=]\s*|\s+))(?!(?:${NAME})\s)[^\s"']+`, "gi");
// `Basic <base64>` outside a header (a curl command line, a log): masked when the base64 decodes
// to a `:`, as RFC 7617's `user-id ":" password` does; `basic checks` decodes to none.
const BASIC = /(?<![\w-])(basic[ \t]+)([\w+/-]{4,}={0,2})(?![\w+/=-])/gi;
// A URL's userinfo password (`https://user:secret@host`), to the last `@` before the path (as
// the WHATWG URL parser splits an authority): a `@` inside it is the password's.
const USERINFO = /(:\/\/[^/?#\s:]*:)[^/\s]*@/g;

// An XML element named like a credential (`<password>x</password>`, `<ns:apiKey a="1">x
// </ns:apiKey>`): its text, to its closing tag.
const ELEMENT = new RegExp(
    String.raw`(<(?<tag>[\w:.-]*(?:${NAME})[\w:.-]*)(?:\s[^<>]*)?>)[^<]*(?=</\k<tag>>)`,
    "gi",
);
// A `Cookie` or `Set-Cookie` header (RFC 6265): a session cookie is a credential; its whole value.
const COOKIE = /((?:set-)?cookie["']?[ \t]*:[ \t]*["']?)[^\s"'][^\r\n"']*/gi;
// curl's `-u user:password` (and `--user`, `--proxy-user`, `-U`): the password after the colon.
const USER_OPTION = /((?<![\w-])(?:-u|--user|--proxy-user|-U)(?:[ \t]+|=)["']?[^\s:"']*:)[^\s"']+/g;

// The words that open a clause after `name: ` in the tool's own sentences (`no key of X takes a
// credential: remove it`, `No OpenStack credentials: no cloud named ...`): kept only there, and
// only with more words after them, so `password: no` alone is still masked. Smaller than PROSE:
// after a colon a word is a value far more often (`token: request failed` masks `request`).
const CLAUSE = new Set(["no", "remove", "set", "This"]);

function maskAssigned(match: string, ...args: unknown[]): string {
    const { key, separator, value: word } = args[args.length - 1] as Record<string, string>;
    const [offset, text] = args.slice(-3, -1) as [number, string];
    const next = offset + match.length;
    const clause =
        separator === ":" &&
        CLAUSE.has(word) &&
        text.charAt(next) === " " &&
        /[a-z]/i.test(text.charAt(next + 1));
    return clause ? match : `${key}****`;
}

function maskSpaced(match: string, ...args: unknown[]): string {
    const { key, flag, clause, value: word } = args[args.length - 1] as Record<string, string>;
    const [offset, text] = args.slice(-3, -1) as [number, string];
    const prose = flag === "" && PROSE.has(word.replace(/^\(/, "").replace(/[.,;:)]$/, ""));
    const path = clause !== undefined && /[:.]/.test(text.charAt(offset - 1));
    return prose || path ? match : `${key}****`;
}

function maskBasic(match: string, lead: string, token: string): string {
    return Buffer.from(token, "base64").includes(0x3a) ? `${lead}****` : match;
}

/**
 * Replaces what looks like a credential in `text` with `****`, keeping its key: a PEM private
 * key's body, the lines of a YAML block scalar under a credential's key, an `Authorization`
 * header's credentials, a bearer token, a `Basic` credential, the value after a key named like a
 * credential (CREDENTIAL_NAME in components/config/credential-name.ts: password, passwd, pw, pwd,
 * passphrase, secret, token, credential, api key, private key; any case, anywhere in a longer key,
 * quoted as in JSON or YAML) and `=`, `:`, `:=`, `=>` or `->` (a YAML tag or anchor kept), quoted,
 * bracketed or not (a quote never closed is masked to the end of its line), the word after such a
 * name as a whole word and spaces, a comma, a dash, `;` or `|` (and `is`, `was`, `for <up to 4
 * words> is`) unless it is one of a closed list of prose words (`token request failed` reads as
 * written, `secret x` and `--token failed` do not), the text of an XML element so named, a
 * cookie header's value, the password of a URL's userinfo and of curl's `-u`. Masking twice gives
 * the same text.
 */
export function maskSecrets(text: string): string {
    return maskBlocks(text.replace(PEM_PRIVATE_KEY, "$<begin>****$<end>"))
        .replace(AUTHORIZATION, "$<key>****")
        .replace(BEARER, "$1****")
        .replace(BASIC, maskBasic)
        .replace(ASSIGNED, maskAssigned)
        .replace(SPACED, maskSpaced)
        .replace(USERINFO, "$1****@")
        .replace(USER_OPTION, "$1****")
        .replace(ELEMENT, "$1****")
        .replace(COOKIE, "$1****");
}

// A block scalar's header under a key named like a credential (`password: |`, `token: >-`).
const BLOCK = new RegExp(
    String.raw`(?:${NAME})[\w.-]*(?:\\?["'])?[ \t]*:[ \t]*${BLOCK_INDICATOR}`,
    "gi",
);

/**
 * `text` with the lines of every block scalar under a credential's key made one `****` line: the
 * lines after its header indented more than the key (YAML 1.2.2 8.1.1.1; a key after `- ` is
 * indented by the dash too), and the blank lines between them. Lines end in a newline, or in an
 * escaped `\n` when the header's does (YAML quoted in a JSON string).
 */
function maskBlocks(text: string): string {
    let out = "";
    let done = 0;
    for (const header of text.matchAll(BLOCK)) {
        const at = (header.index ?? 0) + header[0].length;
        if (at <= done) {
            continue;
        }
        const escaped = text.lastIndexOf("\\n", at - 1);
        const lineStart = Math.max(
            text.lastIndexOf("\n", at - 1) + 1,
            escaped < 0 ? 0 : escaped + 2,
        );
        const column = /^[ \t]*(?:-[ \t]+)*/.exec(text.slice(lineStart, at))?.[0].length ?? 0;
        const line = text.startsWith("\\", at)
            ? /((?:\\r)?\\n)([ \t]*)((?:(?!(?:\\r)?\\n)[^\n])*)/y
            : /(\r?\n)([ \t]*)([^\r\n]*)/y;
        line.lastIndex = at;
        let end = at;
        let first: string | undefined;
        for (let l = line.exec(text); l !== null; l = line.exec(text)) {
            if (l[3] === "") {
                continue;
            }
            if (l[2].length <= column) {
                break;
            }
            first ??= `${l[1]}${l[2]}`;
            end = line.lastIndex;
        }
        if (first !== undefined) {
            out += `${text.slice(done, at)}${first}****`;
            done = end;
        }
    }
    return out + text.slice(done);
}
