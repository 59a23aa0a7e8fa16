// The refusals of YAML the operator writes, read as the program reads it: a stack file, and the
// clouds.yaml / secure.yaml of cloud prod. Each fails the test when the text is accepted, or when
// the refusal holds `secret` (safety invariant 5).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../../components/config/schema";
import { parseStackFileText } from "../../components/config/stackfile";
import { resolveAuth } from "../../components/openstack/credentials";

/** The problems a stack file of `lines` is refused with. */
export function stackProblems(secret: string, lines: string[]): string[] {
    try {
        parseStackFileText([...lines, ""].join("\n"), "stacks/Pulumi.t.yaml");
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.equal(err.message.includes(secret), false, err.message);
        return err.problems;
    }
    assert.fail("the stack file was accepted");
}

/**
 * The message reading cloud prod is refused with, `name` holding `lines` in a fresh home and
 * working directory (for secure.yaml, beside a valid clouds.yaml), the directory cut from it.
 */
export function cloudsRefusal(
    secret: string,
    name: "clouds.yaml" | "secure.yaml",
    lines: string[],
): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "yaml-refusal-"));
    if (name === "secure.yaml") {
        fs.writeFileSync(
            path.join(dir, "clouds.yaml"),
            "clouds:\n  prod:\n    auth:\n      auth_url: http://x/v3\n",
        );
    }
    fs.writeFileSync(path.join(dir, name), [...lines, ""].join("\n"));
    try {
        resolveAuth({ cloud: "prod", env: { HOME: dir }, cwd: dir });
    } catch (err) {
        const message = (err as Error).message;
        assert.equal(message.includes(secret), false, message);
        return message.replace(`${dir}${path.sep}`, "");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.fail(`${name} was accepted`);
}
