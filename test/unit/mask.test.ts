// maskSecrets on every form a credential takes in free text (a reason, a group name, a warning):
// the key stays and the value becomes ****; ordinary words, addresses and names stay as written.
import * as assert from "node:assert/strict";
import { maskSecrets } from "../../components/mask";
import { CREDENTIAL_NAME } from "../../components/config/values";

const SENTINEL = "S6sentinel";

/** [text, masked]: each form holds SENTINEL as the credential's value. */
const MASKED: [string, string][] = [
    [`mgmt passwd=${SENTINEL}`, "mgmt passwd=****"],
    [`x credential=${SENTINEL}`, "x credential=****"],
    [`private_key=${SENTINEL}`, "private_key=****"],
    [`private-key: ${SENTINEL}`, "private-key: ****"],
    [`db_password=${SENTINEL}`, "db_password=****"],
    [`api_key: ${SENTINEL}`, "api_key: ****"],
    [`{"password": "${SENTINEL}"}`, '{"password": ****}'],
    [`{"password": "a\\"${SENTINEL}"}`, '{"password": ****}'],
    [`'token': '${SENTINEL}'`, "'token': ****"],
    [`password = "${SENTINEL} two words"`, "password = ****"],
    [`Password: ${SENTINEL}`, "Password: ****"],
    [`PASSWORD=${SENTINEL}`, "PASSWORD=****"],
    [`other password="${SENTINEL} and more`, "other password=****"],
    [`other password='${SENTINEL}\nnext line`, "other password=****\nnext line"],
    [`password=ab"${SENTINEL}`, "password=****"],
    [`--password ${SENTINEL}`, "--password ****"],
    [`operator NAT, secret ${SENTINEL}`, "operator NAT, secret ****"],
    [
        `bastion; {"token": "${SENTINEL}"} passwd=${SENTINEL}2`,
        'bastion; {"token": ****} passwd=****',
    ],
    [`Authorization: Bearer ${SENTINEL}`, "Authorization: Bearer ****"],
    [`https://admin:${SENTINEL}@keystone:5000/v3`, "https://admin:****@keystone:5000/v3"],
    [`private key: ${SENTINEL}`, "private key: ****"],
    [`Private Key = "${SENTINEL}"`, "Private Key = ****"],
    [`PRIVATE_KEY=${SENTINEL}`, "PRIVATE_KEY=****"],
    [`privatekey: ${SENTINEL}`, "privatekey: ****"],
    [`ssh private key ${SENTINEL}`, "ssh private key ****"],
    [`api key: ${SENTINEL}`, "api key: ****"],
    [`secretKey: ${SENTINEL}`, "secretKey: ****"],
    [`adminPassword: ${SENTINEL}`, "adminPassword: ****"],
    [`AWS_SECRET_ACCESS_KEY=${SENTINEL}`, "AWS_SECRET_ACCESS_KEY=****"],
    [`db_password2: ${SENTINEL}`, "db_password2: ****"],
    [`password.file: ${SENTINEL}`, "password.file: ****"],
    [`tokens: ${SENTINEL}`, "tokens: ****"],
    // A key that holds a credential name anywhere is masked: over-masking costs a word, the
    // other way a credential.
    [`passwordfile: ${SENTINEL}`, "passwordfile: ****"],
    [`PASSWORDHASH=${SENTINEL}`, "PASSWORDHASH=****"],
    [`secretvalue: ${SENTINEL}`, "secretvalue: ****"],
    [`tokenvalue=${SENTINEL}`, "tokenvalue=****"],
    ["secretary: alice", "secretary: ****"],
    // A credential's name, spaces, then a word: a value unless the word is prose (KEPT below).
    [`password is ${SENTINEL}`, "password is ****"],
    [`the token was ${SENTINEL}`, "the token was ****"],
    [`secret token ${SENTINEL}`, "secret token ****"],
    [`Bearer token ${SENTINEL}`, "Bearer token ****"],
    [`--token failed`, "--token ****"],
    [`token Request failed`, "token **** failed"],
    [`token "request" failed`, "token **** failed"],
    [`password swordfish`, "password ****"],
    [`token failedx`, "token ****"],
    [`token: request failed`, "token: **** failed"],
    // Other separators and forms after a credential's name.
    [`password is: ${SENTINEL}`, "password is: ****"],
    [`password => '${SENTINEL}'`, "password => ****"],
    [`password -> ${SENTINEL}`, "password -> ****"],
    [`password := ${SENTINEL}`, "password := ****"],
    [`password \u2014 ${SENTINEL}`, "password \u2014 ****"],
    [`password\u2013${SENTINEL}`, "password\u2013****"],
    [`password - ${SENTINEL}`, "password - ****"],
    [`password, ${SENTINEL}`, "password, ****"],
    [`password: {v: ${SENTINEL}}`, "password: ****"],
    [`password: [a, ${SENTINEL}]`, "password: ****"],
    [`the password for admin is ${SENTINEL}`, "the password for admin is ****"],
    [`the token for alice was: ${SENTINEL}`, "the token for alice was: ****"],
    [`bearer: ${SENTINEL}`, "bearer: ****"],
    [`Authorization: Basic ${SENTINEL}`, "Authorization: Basic ****"],
    [`Proxy-Authorization: Basic ${SENTINEL}`, "Proxy-Authorization: Basic ****"],
    [`{"authorization": "Basic ${SENTINEL}", "x": 1}`, '{"authorization": "Basic ****", "x": 1}'],
    [
        `Authorization: Digest username="a", response="${SENTINEL}" then`,
        "Authorization: Digest **** then",
    ],
    [`Authorization: ${SENTINEL}\nnext line`, "Authorization: ****\nnext line"],
    [
        `-----BEGIN PRIVATE KEY-----\nMIIE${SENTINEL}\nkqhk\n-----END PRIVATE KEY-----\nafter`,
        "-----BEGIN PRIVATE KEY-----****-----END PRIVATE KEY-----\nafter",
    ],
    [
        `-----BEGIN RSA PRIVATE KEY-----\n${SENTINEL}\n-----END RSA PRIVATE KEY-----`,
        "-----BEGIN RSA PRIVATE KEY-----****-----END RSA PRIVATE KEY-----",
    ],
    [
        `-----BEGIN OPENSSH PRIVATE KEY-----\\n${SENTINEL}\\n-----END OPENSSH PRIVATE KEY-----`,
        "-----BEGIN OPENSSH PRIVATE KEY-----****-----END OPENSSH PRIVATE KEY-----",
    ],
    // A text cut before the END line: the rest of it is the key's.
    [`key: -----BEGIN PRIVATE KEY-----\nMIIE\n${SENTINEL}`, "key: -----BEGIN PRIVATE KEY-----****"],
];

/** Text that holds no credential and must read as written. */
const KEPT = [
    "tokens of trust",
    "the secretary's office",
    "passwords are rotated monthly",
    "10.12.4.0/24",
    "2001:db8::/32",
    "default",
    "k8s-cluster-magnum-secgroup",
    "lab port: bastion, 6443/tcp",
    "the secretary alice",
    "a tokenizer of words",
    // A credential's name then a word of prose, as the checks' messages say it.
    "token request failed",
    "the exec credential plugin kubectl-oidc failed: exit 1",
    "the user's certificates or token failed: no such file",
    "the token was rejected.",
    "token is expired",
    "secret not found",
    "private key file missing",
    "a bearer token expired",
    "the token for alice was revoked",
    "the token for the cluster expired",
    "tokens, secrets and keys",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
];

describe("maskSecrets", () => {
    for (const [text, masked] of MASKED) {
        it(`masks ${JSON.stringify(text)}`, () => {
            assert.equal(maskSecrets(text), masked);
            assert.ok(!maskSecrets(text).includes(SENTINEL));
            assert.equal(maskSecrets(masked), masked, "masking twice changes nothing");
        });
    }

    for (const text of KEPT) {
        it(`keeps ${JSON.stringify(text)}`, () => {
            assert.equal(maskSecrets(text), text);
        });
    }

    it("masks the value of every key the config's checks call a credential", () => {
        // One definition for both (components/config/values.ts): a name it matches is masked.
        const names = ["password", "passwd", "pw", "pwd", "passphrase", "secret", "token"];
        const keys = [
            "credential",
            "apikey",
            "private key",
            "private_key",
            "private-key",
            "privatekey",
            "PRIVATE KEY",
        ];
        for (const name of [...names, ...keys]) {
            assert.ok(CREDENTIAL_NAME.test(name), name);
            assert.equal(maskSecrets(`${name}=${SENTINEL}`), `${name}=****`);
        }
    });
});
