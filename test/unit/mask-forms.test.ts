// maskSecrets on the forms a credential takes that the key=value and spaced forms of mask.test.ts
// do not cover: a name and `is` several words apart, a `Basic` header with or without its colon,
// pw / pwd / passphrase, YAML block scalars, tags and anchors, `;` and `|`, typographic quotes,
// JSON inside a JSON string, XML elements, cookies, a URL's userinfo and curl's -u. Each masked
// text loses SENTINEL and masks to itself again; the prose the tool writes around credential
// names reads as written.
import * as assert from "node:assert/strict";
import { maskSecrets } from "../../components/mask";

const SENTINEL = "S6sentinel";
// base64("admin:S6sentinel"), as RFC 7617 builds a Basic credential.
const BASIC = Buffer.from(`admin:${SENTINEL}`).toString("base64");

/** [text, masked]: each form holds SENTINEL (or BASIC) as the credential's value. */
const MASKED: [string, string][] = [
    // A preposition and up to four words between the name and `is`, `was` or `:`.
    [`password for the admin user is ${SENTINEL}`, "password for the admin user is ****"],
    [`Password For Admin Is ${SENTINEL}`, "Password For Admin Is ****"],
    [`the token of the ci robot was: ${SENTINEL}`, "the token of the ci robot was: ****"],
    [`password for admin: ${SENTINEL}`, "password for admin: ****"],
    [`password to the admin account is ${SENTINEL}`, "password to the admin account is ****"],
    [`change the password to ${SENTINEL}`, "change the password to ****"],
    [`the password was changed to ${SENTINEL}`, "the password was changed to ****"],
    [`password (admin): ${SENTINEL}`, "password (admin): ****"],
    // The scheme, then the credentials; with or without the header's colon.
    [`Authorization Basic ${BASIC}`, "Authorization Basic ****"],
    [`Authorization: Basic ${BASIC}`, "Authorization: Basic ****"],
    [`authorization=Bearer ${SENTINEL}`, "authorization=Bearer ****"],
    [`Authorization header: Basic ${BASIC}`, "Authorization header: Basic ****"],
    [`Proxy-Authorization Negotiate ${SENTINEL}`, "Proxy-Authorization Negotiate ****"],
    [`curl -H "Basic ${BASIC}" x`, 'curl -H "Basic ****" x'],
    // pw, pwd and passphrase (CREDENTIAL_NAME).
    [`pw=${SENTINEL}`, "pw=****"],
    [`pwd: ${SENTINEL}`, "pwd: ****"],
    [`DB_PW=${SENTINEL}`, "DB_PW=****"],
    [`passphrase ${SENTINEL}`, "passphrase ****"],
    [`passphrase: ${SENTINEL}`, "passphrase: ****"],
    [`GPG_PASSPHRASE=${SENTINEL}`, "GPG_PASSPHRASE=****"],
    // YAML block scalars: the lines indented under the key are the value.
    [`password: |\n  ${SENTINEL}\n  two\nnext: 1`, "password: |\n  ****\nnext: 1"],
    [`token: >-\n  ${SENTINEL}\n\n  two\n`, "token: >-\n  ****\n"],
    [`password: |+ # kept\n  ${SENTINEL}\nx: y`, "password: |+ # kept\n  ****\nx: y"],
    [`password: !!binary |\n  ${SENTINEL}\nx: 1`, "password: !!binary |\n  ****\nx: 1"],
    [`password: |\r\n  ${SENTINEL}\r\nx: 1`, "password: |\r\n  ****\r\nx: 1"],
    [
        `auth:\n  password: |\n    ${SENTINEL}\n  user: bob\n  token: |\n    ${SENTINEL}2\n  url: u`,
        "auth:\n  password: |\n    ****\n  user: bob\n  token: |\n    ****\n  url: u",
    ],
    [`- db_password: >\n    ${SENTINEL}\n  name: db`, "- db_password: >\n    ****\n  name: db"],
    [
        `"yaml": "password: |\\n  ${SENTINEL}\\nuser: bob"`,
        '"yaml": "password: |\\n  ****\\nuser: bob"',
    ],
    // `;` and `|` after the name.
    [`password; ${SENTINEL}`, "password; ****"],
    [`| password | ${SENTINEL} |`, "| password | **** |"],
    // Fail closed: the word after `;` is masked unless PROSE (components/mask.ts, SPACED).
    ["password; make it longer", "password; **** it longer"],
    // Other separators, quotes and case.
    [`PASSWORD=${SENTINEL}`, "PASSWORD=****"],
    [`password \u2192 ${SENTINEL}`, "password \u2192 ****"],
    [`password\uff1a${SENTINEL}`, "password\uff1a****"],
    [`password \uff1d ${SENTINEL}`, "password \uff1d ****"],
    [`?user=a&password%3D${SENTINEL}`, "?user=a&password%3D****"],
    [`password: \u201ctwo ${SENTINEL}\u201d`, "password: ****"],
    [`password: \u2018it\u2019s ${SENTINEL}\u2019`, "password: ****"],
    [`password: \u00abtwo ${SENTINEL}\u00bb`, "password: ****"],
    ["password is `two " + SENTINEL + "`", "password is ****"],
    [`password: 'it''s ${SENTINEL}'`, "password: ****"],
    [`password='a'${SENTINEL}`, "password=****"],
    [`"password='two ${SENTINEL}'"`, '"password=****"'],
    // JSON inside a JSON string: its quotes escaped, its own escaped quotes escaped again.
    [`{\\"password\\": \\"two ${SENTINEL}\\"}`, '{\\"password\\": ****}'],
    [`[{\\"token\\":\\"a\\\\\\"${SENTINEL}\\"}]`, '[{\\"token\\":****}]'],
    // YAML's tags and anchors before a value, XML elements, cookies.
    [`password: !secret ${SENTINEL}`, "password: !secret ****"],
    [`password: &pw ${SENTINEL}`, "password: &pw ****"],
    [`<password>${SENTINEL}</password>`, "<password>****</password>"],
    [`<token>\n${SENTINEL}\n</token>`, "<token>****</token>"],
    [`Cookie: session=${SENTINEL}; theme=dark`, "Cookie: ****"],
    [`Set-Cookie: sid=${SENTINEL}; Path=/`, "Set-Cookie: ****"],
    [`{"cookie": "sid=${SENTINEL}"}`, '{"cookie": "****"}'],
    [
        `<PASSWORD>${SENTINEL}</PASSWORD> <token>${SENTINEL}</token>`,
        "<PASSWORD>****</PASSWORD> <token>****</token>",
    ],
    [`Cookie : sid=${SENTINEL}`, "Cookie : ****"],
    [`Cookie:sid=${SENTINEL}`, "Cookie:****"],
    // Case, spacing and what follows a value's closing quote.
    [`BEARER ${SENTINEL} and bearer ${SENTINEL}2`, "BEARER **** and bearer ****"],
    [`curl -H "Basic  ${BASIC}"`, 'curl -H "Basic  ****"'],
    [`password: \u201ctwo ${SENTINEL}\u201d and more`, "password: **** and more"],
    [`'password: "two ${SENTINEL}"' more`, "'password: ****' more"],
    [`password :${SENTINEL}`, "password :****"],
    // A word that is prose only once its punctuation is taken off its end, not its middle.
    ["token no.t", "token ****"],
    // A key's path is kept before `;` only: after spaces its next word is a value.
    [`config openstack:password ${SENTINEL}`, "config openstack:password ****"],
    // CLAUSE only after `:`, and not after `(qualifier: x)=`.
    ["password= no more", "password= **** more"],
    ["password (for: ci)= no more", "password (for: ci)= **** more"],
    ["password: no\tmore", "password: ****\tmore"],
    ["password: no 1", "password: **** 1"],
    ["token an(d", "token ****"],
    [`a: b password; ${SENTINEL}`, "a: b password; ****"],
    [`-  password: |\n    ${SENTINEL}\n   next: 1`, "-  password: |\n    ****\n   next: 1"],
    [
        `\\n  password: |\\n    ${SENTINEL}\\n  user: bob`,
        "\\n  password: |\\n    ****\\n  user: bob",
    ],
    [`'password: \u201ctwo ${SENTINEL}\u201d' more`, "'password: ****' more"],
    // A block scalar's header inside another's lines is the other's; an indented key's column.
    [`password: |\n  token: |\n    ${SENTINEL}\nnext: 1`, "password: |\n  ****\nnext: 1"],
    [
        `"auth:\\n  password: |\\n    ${SENTINEL}\\n  user: bob"`,
        '"auth:\\n  password: |\\n    ****\\n  user: bob"',
    ],
    // A URL's userinfo (to the last `@`) and curl's -u.
    [`https://:${SENTINEL}@host`, "https://:****@host"],
    [`https://user:a@${SENTINEL}@host/x`, "https://user:****@host/x"],
    [`https://user:p#${SENTINEL}@host/x`, "https://user:****@host/x"],
    [`curl -u admin:${SENTINEL} https://x`, "curl -u admin:**** https://x"],
    [`curl --user=admin:${SENTINEL} https://x`, "curl --user=admin:**** https://x"],
    [`curl -u  'admin:${SENTINEL}' x`, "curl -u  'admin:****' x"],
    [
        `-----BEGIN PGP PRIVATE KEY BLOCK-----\n${SENTINEL}\n-----END PGP PRIVATE KEY BLOCK-----\nafter`,
        "-----BEGIN PGP PRIVATE KEY BLOCK-----****-----END PGP PRIVATE KEY BLOCK-----\nafter",
    ],
];

/** Text that holds no credential and must read as written. */
const KEPT = [
    "password; see the docs",
    "the token for the cluster of the region expired",
    "Authorization failed for user bob",
    "the basic checks passed",
    "basic auth is off",
    "upward: 3",
    "pwm: 4",
    "https://host:5000/v3?a=b@c",
    "ssh://git@host:22/x",
    "password: |\nnext: 1",
    "<password/>",
    "a cookie jar",
    // The tool's own problems, which the error document masks as a whole.
    "at key openstack:password; YAML indents with spaces only: replace the tab with spaces",
    "cloud x sets clouds.prod.auth.password to a list, not a string",
    "openstack:password is a credential in plain text (at f.yaml:17:3): remove the key",
    "capi-mgmt-ingress:cloud is a secret at f.yaml:12:3; expected a plain value",
    "set without --secret: This project takes secrets from stack config only",
    "x.OS_PASSWORD is named like a credential but is plain text (at f.yaml:16:24)",
    "the stack file takes credentials only as Pulumi secrets: set it with pulumi config set",
    "`pulumi config set --secret --path 'verify.custom[0].env.OS_PASSWORD' <value>`",
    "No OpenStack credentials: no cloud named (config `cloud` or OS_CLOUD)",
    "no key of x takes a credential: remove it; rotate it if the file was ever shared",
    "is incomplete for password auth: expected password (OS_PASSWORD)",
    "expected v3password, password or v3applicationcredential",
    "x is a secret; it is not verify",
    "no key of x takes a credential (the cloud's come from clouds.yaml or OS_* variables)",
    "a token, got none",
    "No OpenStack credentials: no cloud named x",
    "the password was.",
];

/** The words the tool's own messages put right after a credential's name (PROSE). */
const PROSE_WORDS = ["a", "an", "and", "as", "at", "auth", "body", "but", "by", "cannot"];
PROSE_WORDS.push(...["expired", "failed", "file", "for", "from", "goes", "got", "in", "invalid"]);
PROSE_WORDS.push(...["it", "missing", "name", "named", "not", "of", "on", "or", "plugin"]);
PROSE_WORDS.push(...["refused", "rejected", "request", "revoked", "see", "that", "the", "with"]);

describe("maskSecrets: more forms", () => {
    for (const [text, masked] of MASKED) {
        it(`masks ${JSON.stringify(text)}`, () => {
            assert.equal(maskSecrets(text), masked);
            assert.equal(maskSecrets(masked), masked, "masking twice changes nothing");
        });
    }

    for (const text of KEPT) {
        it(`keeps ${JSON.stringify(text)}`, () => {
            assert.equal(maskSecrets(text), text);
        });
    }

    it("keeps each prose word after a credential's name, and masks any other", () => {
        for (const word of PROSE_WORDS) {
            assert.equal(maskSecrets(`the secret ${word} x`), `the secret ${word} x`);
            assert.equal(maskSecrets(`the secret ${word}x9 x`), "the secret **** x");
        }
    });

    it("shows no value of these forms", () => {
        for (const [text] of MASKED) {
            assert.ok(!maskSecrets(text).includes(SENTINEL), text);
            assert.ok(!maskSecrets(text).includes(BASIC), text);
        }
    });
});
