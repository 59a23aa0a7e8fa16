// The example offered for every config key (and every list's items), set where it says in a
// valid config, is accepted at that key and shows a value to write, not an empty one. The
// config-error suite checks the same for the errors it provokes; this one reaches every key.
import * as assert from "node:assert/strict";
import { KEY_DESCRIPTIONS } from "../../components/config/descriptions";
import { Example, exampleFor, formatExample, formatPath } from "../../components/config/examples";
import { ConfigError, parseStackConfig } from "../../components/config/schema";

const valid = (): Record<string, unknown> => ({
    securityGroup: { name: "capi-mgmt-sg" },
    api: { address: "10.12.7.222" },
    conductors: { juju: { model: "openstack" } },
    operator: { cidrs: ["10.12.4.1/32"], reason: "operator via the VR0 masquerade" },
});

/** `retire[].ports` to ["retire", 0, "ports"]. */
const pathOf = (key: string) =>
    [...key.matchAll(/([^.[\]]+)|(\[\])/g)].map((m) => (m[2] ? 0 : m[1]));

function problemKeys(raw: Record<string, unknown>): string[] {
    try {
        parseStackConfig(raw);
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems.map((p) => p.slice(0, p.indexOf(": ")));
    }
}

function setAt(raw: Record<string, unknown>, path: (string | number)[], value: unknown) {
    const copy = structuredClone(raw);
    let at = copy as Record<string | number, unknown>;
    for (const [i, part] of path.slice(0, -1).entries()) {
        at[part] ??= typeof path[i + 1] === "number" ? [] : {};
        at = at[part] as Record<string | number, unknown>;
    }
    at[path[path.length - 1]] = value;
    return copy;
}

const isEmpty = (value: unknown) =>
    value === "" ||
    value === undefined ||
    (value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        Object.keys(value).length === 0);

describe("config examples: every key's", () => {
    it("is accepted where it is set and shows a value", () => {
        const keys = Object.keys(KEY_DESCRIPTIONS);
        const checked: string[] = [];
        for (const key of keys) {
            const found = exampleFor(pathOf(key), valid());
            assert.ok(found, `${key}: no example`);
            const items = Array.isArray(found.value) ? [`${key}[]`] : [];
            for (const k of [key, ...items]) {
                const path = pathOf(k);
                const example: Example | undefined = k === key ? found : exampleFor(path, valid());
                assert.ok(example, `${k}: no example`);
                const at = formatPath(example.path);
                assert.ok(formatPath(path).startsWith(at), `${k}: the example is set at ${at}`);
                assert.ok(!isEmpty(example.value), `${k}: ${formatExample(example)} is empty`);
                const left: string[] = problemKeys(
                    setAt(valid(), example.path, example.value),
                ).filter(
                    (p) =>
                        p === `capi-mgmt-ingress:${at}` ||
                        p.startsWith(`capi-mgmt-ingress:${at}.`) ||
                        p.startsWith(`capi-mgmt-ingress:${at}[`),
                );
                assert.deepEqual(left, [], `${k}: ${formatExample(example)} leaves ${left}`);
                checked.push(k);
            }
        }
        // The lists' items are reached too (operator.cidrs[], retire[], protectedPorts[] ...).
        assert.ok(checked.length > keys.length + 10, `${checked.length} for ${keys.length} keys`);
    });

    it("port examples are protected ports the list does not hold yet", () => {
        const raw: Record<string, unknown> = { ...valid(), protectedPorts: [2222, 6443, 22] };
        const at = (path: (string | number)[], config: Record<string, unknown> = raw) =>
            exampleFor(path, config)?.value;
        assert.equal(at(["api", "port"]), 2222);
        assert.deepEqual(at(["operator", "ports"]), [2222, 6443, 22]);
        assert.deepEqual(at(["retire", 1, "ports"]), [2222, 6443, 22]);
        assert.deepEqual(at(["hairpin", "ports"]), [2222]);
        const operator = { ...(raw.operator as object), ports: [2222, 80] };
        assert.equal(at(["operator", "ports", 1], { ...raw, operator }), 6443);
        const retire = [{ remote: "::/0", ports: [6443, 2222, 7] }];
        assert.equal(at(["retire", 0, "ports", 2], { ...raw, retire }), 22);
        // Every protected port taken: the first one, which the problem's own entry replaces.
        const hairpin = { ports: [22, 2222, 6443, 9] };
        assert.equal(at(["hairpin", "ports", 3], { ...raw, hairpin }), 2222);
        // protectedPorts refused: the default ones, never a refused value.
        for (const protectedPorts of [[0, 6443], [1.5], [65536], [], "22"]) {
            const config = { ...raw, protectedPorts };
            assert.equal(at(["api", "port"], config), 6443, JSON.stringify(protectedPorts));
            const taken = Array.isArray(protectedPorts) ? protectedPorts : [];
            assert.equal(
                at(["protectedPorts", 0], config),
                taken.includes(6443) ? 22 : 6443,
                JSON.stringify(protectedPorts),
            );
        }
        // The ends of the port range are ports.
        assert.equal(at(["api", "port"], { ...raw, protectedPorts: [1] }), 1);
        assert.equal(at(["api", "port"], { ...raw, protectedPorts: [65535] }), 65535);
    });

    it("handshake examples follow the kind of conductors, however the config is broken", () => {
        const statics = { static: { addresses: ["10.12.4.154"], reason: "no Juju here" } };
        const at = (path: string[], change: Record<string, unknown>) =>
            exampleFor(path, { ...valid(), ...change })?.value;
        assert.deepEqual(at(["verify", "conductors"], { conductors: statics }), {
            enabled: false,
        });
        assert.equal(at(["verify", "conductors", "enabled"], { conductors: statics }), false);
        for (const conductors of [null, undefined, "static", { juju: { model: "m" } }]) {
            assert.deepEqual(at(["verify", "conductors"], { conductors }), { enabled: true });
            assert.equal(at(["verify", "conductors", "enabled"], { conductors }), true);
        }
    });

    it("offers lists with an item where an empty list would show nothing to copy", () => {
        for (const key of [
            "hairpin",
            "hairpin.subnets",
            "hairpin.routers",
            "hairpin.cidrs",
            "retire",
        ]) {
            const example = exampleFor(key.split("."), {});
            assert.ok(example, key);
            assert.doesNotMatch(formatExample(example), /\[\]/, key);
        }
    });

    it("never offers to turn the destroy guard off", () => {
        assert.deepEqual(exampleFor(["allowDestroy"], { ...valid(), allowDestroy: "yes" }), {
            path: ["allowDestroy"],
            value: false,
        });
    });

    it("none for the config's root or a key the schema does not have", () => {
        assert.equal(exampleFor([], valid()), undefined);
        assert.equal(exampleFor(["typo"], valid()), undefined);
        assert.deepEqual(exampleFor(["verify", "tenant", "typo"], valid()), {
            path: ["verify", "tenant"],
            value: { kubeconfig: "~/.kube/beta.yaml", image: "busybox:1.36" },
        });
    });
});
