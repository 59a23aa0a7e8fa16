// A duplicate key in clouds.yaml or secure.yaml is named by its key path at its own line and
// column, wherever the parser reports it: after a key with an empty value, the yaml package places
// the error at the end of the line before (keyStart in its compose/resolve-block-map.js). The
// message quotes no value and no line (no code frame). openstacksdk's loader (PyYAML) keeps the
// last value silently; the project refuses.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resolveAuth } from "../../components/openstack/credentials";
import { PASSWORD } from "../support/fake-openstack";

const CLOUDS = "clouds:\n  prod:\n    auth:\n      auth_url: http://x/v3\n";

/** The refusal of reading cloud prod with `name` holding `lines` (secure.yaml beside CLOUDS). */
function refusal(name: "clouds.yaml" | "secure.yaml", lines: string[]): string {
    const dir = layOut(name, lines);
    try {
        resolveAuth({ cloud: "prod", env: { HOME: dir }, cwd: dir });
    } catch (err) {
        const message = (err as Error).message;
        assert.equal(message.includes(PASSWORD), false, `a value in: ${message}`);
        assert.equal(message.includes("\n"), false, `a code frame in: ${message}`);
        return message.replace(`${dir}${path.sep}`, "");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.fail(`${name} was accepted`);
}

function layOut(name: "clouds.yaml" | "secure.yaml", lines: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clouds-dup-"));
    if (name === "secure.yaml") {
        fs.writeFileSync(path.join(dir, "clouds.yaml"), CLOUDS);
    }
    fs.writeFileSync(path.join(dir, name), [...lines, ""].join("\n"));
    return dir;
}

const duplicate = (file: string, line: number, col: number, key: string) =>
    `${file}: not valid YAML at line ${line}, column ${col} (DUPLICATE_KEY): duplicate key ` +
    `${key}; a key may appear once in its mapping: keep one (openstacksdk's loader, through ` +
    "PyYAML, would use the last value silently; refused here, failing closed: which value is " +
    "meant is not clear)";

describe("clouds files: a duplicate key", () => {
    it("clouds.yaml, after the same key's empty value: the repeated key and its own line", () => {
        const text = ["clouds:", "  prod:", "    auth:", "      password:"];
        assert.equal(
            refusal("clouds.yaml", [...text, `      password: ${PASSWORD}`]),
            duplicate("clouds.yaml", 5, 7, "clouds.prod.auth.password"),
        );
    });

    it("secure.yaml, after another key's empty value, a comment and a blank line", () => {
        const text = ["clouds:", "  prod:", "    auth:", `      password: ${PASSWORD}`];
        assert.equal(
            refusal("secure.yaml", [...text, "      username:   # below", "", `      password: x`]),
            duplicate("secure.yaml", 7, 7, "clouds.prod.auth.password"),
        );
    });

    it("secure.yaml, after an empty value deeper than the repeated key", () => {
        const text = ["clouds:", "  prod:", "    auth:", "      password:", "  prod:"];
        assert.equal(
            refusal("secure.yaml", [...text, `    auth: { password: ${PASSWORD} }`]),
            duplicate("secure.yaml", 5, 3, "clouds.prod"),
        );
    });

    it("clouds.yaml, in a flow mapping after an empty value", () => {
        const text = ["clouds:", "  prod:", `    auth: { password: , password: ${PASSWORD} }`];
        assert.equal(
            refusal("clouds.yaml", text),
            duplicate("clouds.yaml", 3, 25, "clouds.prod.auth.password"),
        );
    });

    it("clouds.yaml, YAML 1.1: `y` after `yes:` empty is the same key, named as written", () => {
        const text = ["clouds:", "  prod:", "    yes:", "    y: 1"];
        assert.equal(refusal("clouds.yaml", text), duplicate("clouds.yaml", 4, 5, "clouds.prod.y"));
    });

    it("clouds.yaml: two merge keys are accepted (YAML 1.1 merges both); a later repeat is named", () => {
        const text = [
            "base: &base { auth_url: http://x/v3 }",
            "clouds:",
            "  prod:",
            "    auth:",
            "      <<: *base",
            "      <<: *base",
            "      password:",
            `      password: ${PASSWORD}`,
        ];
        assert.equal(
            refusal("clouds.yaml", text),
            duplicate("clouds.yaml", 8, 7, "clouds.prod.auth.password"),
        );
    });

    it("other errors name the file, line, column and code, no key", () => {
        const text = ["clouds:", "  prod:", "    auth:", `\tpassword: ${PASSWORD}`];
        assert.equal(
            refusal("clouds.yaml", text),
            "clouds.yaml: not valid YAML at line 4, column 1 (TAB_AS_INDENT); expected a clouds.yaml",
        );
    });

    // The reference: openstacksdk's loader (tools/reference/resolve.py, Debian's openstacksdk)
    // reads the same secure.yaml and takes the last username, with no word of the first.
    it("openstacksdk's loader keeps the last value silently where the project refuses", function () {
        const resolver = path.join(__dirname, "../../tools/reference/resolve.py");
        try {
            execFileSync("/usr/bin/python3", ["-c", "import openstack.config.loader"]);
        } catch (err) {
            if (process.env.CI === "true") {
                throw err; // CI installs python3-openstacksdk, as for credentials-reference
            }
            this.skip();
        }
        const text = ["clouds:", "  prod:", "    auth:", "      username:", "      username: last"];
        const dir = layOut("secure.yaml", [...text, "      project_name: p"]);
        const input = [{ id: "0", cwd: dir, env: { HOME: dir }, cloud: "prod" }];
        const output = execFileSync("/usr/bin/python3", [resolver], {
            input: JSON.stringify(input),
            env: {},
        });
        fs.rmSync(dir, { recursive: true, force: true });
        const [answer] = JSON.parse(output.toString()) as {
            ok: boolean;
            identity?: { username: string };
        }[];
        assert.equal(answer.identity?.username, "last", JSON.stringify(answer));
        assert.match(refusal("secure.yaml", text), /duplicate key clouds\.prod\.auth\.username;/);
    });
});
