// What one rule admits, read field by field in every form Neutron stores: the protected ports it
// reaches, from which addresses, and why; an unreadable field admits everything (fail closed).
import * as assert from "node:assert/strict";
import { cidrs, none, PORTS, read } from "../support/rule-reading";

describe("reading one rule", () => {
    it("reads every spelling of every protocol as all ports, TCP as its range, others as none", () => {
        for (const protocol of [null, undefined, "", "any", "ANY", "0", 0, "ip", "hopopt"]) {
            const r = read({ protocol, port_range_min: null, port_range_max: null });
            assert.equal(r.unreadable, undefined, String(protocol));
            assert.deepEqual(r.ports, PORTS, String(protocol));
            assert.match(r.why(22), /^every protocol \(protocol .*\), so every port$/);
        }
        // Neutron refuses ports on a rule of every protocol: if one has them, they do not narrow it.
        for (const [min, max] of [
            [22, 22],
            [80, 80],
        ]) {
            const r = read({ protocol: null, port_range_min: min, port_range_max: max });
            assert.deepEqual([r.ports, cidrs(r)], [PORTS, ["10.0.0.1/32"]], `${min}-${max}`);
            assert.equal(r.why(6443), "every protocol (protocol null), so every port");
        }
        for (const protocol of ["tcp", "6", 6]) {
            const r = read({ protocol });
            assert.equal(r.unreadable, undefined, String(protocol));
            assert.deepEqual(r.ports, [6443], String(protocol));
            assert.equal(r.why(6443), "tcp 6443");
        }
        // Spelled otherwise than Neutron stores TCP, the iptables driver matches every TCP port.
        for (const protocol of ["TCP", "Tcp", "006", "06"]) {
            const r = read({ protocol, port_range_min: 80, port_range_max: 80 });
            assert.equal(r.unreadable, undefined, protocol);
            assert.deepEqual([r.ports, cidrs(r)], [PORTS, ["10.0.0.1/32"]], protocol);
            assert.equal(
                r.why(22),
                `tcp spelled ${JSON.stringify(protocol)}, to which the iptables driver gives no ports, so every port`,
            );
        }
        // ICMP's port fields are its type and code: an echo request is 8 and 0, no port range.
        for (const [protocol, min, max] of [
            ["icmp", 8, 0],
            ["icmp", 0, 255],
            ["ipv6-icmp", 128, 0],
            ["udp", 53, 1],
            ["udp", "x", null],
        ]) {
            const r = read({ protocol, port_range_min: min, port_range_max: max });
            assert.deepEqual(
                [r.unreadable, r.ports, r.sources],
                [undefined, [], []],
                `${protocol} ${min}-${max}`,
            );
        }
        for (const protocol of ["udp", "17", 255, "icmpv6"]) {
            const r = read({ protocol });
            assert.deepEqual(
                [r.unreadable, r.ports, r.sources],
                [undefined, [], []],
                String(protocol),
            );
            assert.equal(r.why(22), "");
        }
    });

    it("counts a protocol it cannot read as admitting everything", () => {
        // Names of Object.prototype's members are no protocol either.
        for (const protocol of ["256", 256, "0006", "tcpx", "6a", "constructor", true, {}]) {
            const r = read({ protocol });
            assert.equal(r.unreadable, `protocol ${JSON.stringify(protocol)}`, String(protocol));
            assert.deepEqual(r.ports, PORTS);
            assert.deepEqual(cidrs(r), ["0.0.0.0/0"]);
            assert.equal(r.sources[0].admits, "every IPv4 address (unreadable rule)");
            assert.equal(
                r.why(22),
                `cannot read its protocol ${JSON.stringify(protocol)}: counted as admitting everything`,
            );
        }
    });

    it("reads port ranges inclusively", () => {
        const ports = (min: unknown, max: unknown) =>
            read({ port_range_min: min, port_range_max: max }).ports;
        assert.deepEqual(ports(null, null), PORTS);
        assert.deepEqual(ports(0, 22), [22]);
        assert.deepEqual(ports(23, 6442), []);
        assert.deepEqual(ports(22, 6443), PORTS);
        assert.deepEqual(ports(1, 65535), PORTS);
        assert.equal(read({ port_range_min: 1, port_range_max: 65535 }).why(22), "tcp, all ports");
        assert.equal(
            read({ port_range_min: 2, port_range_max: 65535 }).why(22),
            "tcp 2-65535 includes 22",
        );
        assert.equal(
            read({ port_range_min: 1, port_range_max: 65534 }).why(22),
            "tcp 1-65534 includes 22",
        );
        assert.equal(
            read({ port_range_min: 20, port_range_max: 30 }).why(22),
            "tcp 20-30 includes 22",
        );
    });

    it("counts a port range it cannot read as every port", () => {
        for (const [min, max] of [
            [-1, 22],
            [22, 65536],
            [6443, 22],
            [22.5, 23],
            ["22", 22],
        ]) {
            const r = read({ port_range_min: min, port_range_max: max });
            assert.equal(
                r.unreadable,
                `port range ${JSON.stringify(min)}-${JSON.stringify(max)}`,
                `${min}-${max}`,
            );
            assert.deepEqual(r.ports, PORTS);
        }
    });

    it("reads no source from an egress rule, and an unknown direction as everything", () => {
        const egress = read({ direction: "egress" });
        assert.deepEqual([egress.ports, egress.sources, egress.unresolved], [[], [], []]);
        assert.equal(egress.why(22), "");
        assert.equal(read({ direction: "in" }).unreadable, 'direction "in"');
        assert.equal(read({ direction: undefined }).unreadable, "direction (absent)");
    });

    it("leaves unread the remote of a rule that reaches no protected port", () => {
        // Another protocol, or TCP beside the protected ports: nothing is admitted here, whatever
        // the remote says, so an odd remote there is not a reason to count everything.
        const remotes = none();
        for (const fields of [
            { protocol: "udp", remote_ip_prefix: "10.0.0.300/8" },
            { port_range_min: 80, port_range_max: 80, remote_ip_prefix: "nonsense" },
            { protocol: "icmp", remote_ip_prefix: null, remote_group_id: "sg-unknown" },
            {
                port_range_min: 23,
                port_range_max: 6442,
                remote_ip_prefix: null,
                remote_group_id: 5,
            },
        ]) {
            const r = read(fields, remotes);
            assert.deepEqual(
                [r.unreadable, r.ports, r.sources, r.unresolved],
                [undefined, [], [], []],
                JSON.stringify(fields),
            );
        }
        // One protected port in its range, or every protocol: the remote is read, and fails closed.
        for (const fields of [
            { port_range_min: 20, port_range_max: 25, remote_ip_prefix: "nonsense" },
            { protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: "x" },
        ]) {
            const r = read(fields, remotes);
            assert.match(r.unreadable ?? "", /remote_ip_prefix/, JSON.stringify(fields));
            assert.deepEqual(r.ports, PORTS);
        }
        assert.deepEqual(
            read({ remote_ip_prefix: null, remote_group_id: "sg-unknown" }, remotes).unresolved,
            ["remote group sg-unknown"],
        );
    });

    it("reads every remote of a rule that has several (Neutron refuses it; the model does not)", () => {
        const remotes = none();
        remotes.groups.set("sg-a", ["10.1.0.5"]);
        remotes.addressGroups.set("ag-b", ["10.2.0.0/16"]);
        const both = read({ remote_ip_prefix: "192.0.2.0/24", remote_group_id: "sg-a" }, remotes);
        assert.deepEqual(cidrs(both), ["10.1.0.5/32", "192.0.2.0/24"]);
        const three = read(
            {
                remote_ip_prefix: "192.0.2.0/24",
                remote_group_id: "sg-a",
                remote_address_group_id: "ag-b",
            },
            remotes,
        );
        assert.deepEqual(cidrs(three), ["10.1.0.5/32", "10.2.0.0/16", "192.0.2.0/24"]);
    });

    it("names a rule without id, and keeps a readable id", () => {
        assert.equal(read({ id: "" }).ruleId, "(no id)");
        assert.equal(read({ id: "" }).unreadable, 'id ""');
        assert.equal(read({ id: 7 }).unreadable, "id 7");
        assert.equal(read({ id: "x" }).ruleId, "x");
        assert.equal(read({ id: "x" }).unreadable, undefined);
    });

    it("resolves remote groups, counts unresolved and malformed ones as any address", () => {
        const remotes = none();
        remotes.groups.set("sg-a", ["10.1.0.5", "10.1.0.6/32"]);
        const r = read({ remote_ip_prefix: null, remote_group_id: "sg-a" }, remotes);
        assert.deepEqual(cidrs(r), ["10.1.0.5/32", "10.1.0.6/32"]);
        assert.equal(r.sources[0].admits, "10.1.0.5/32 (in remote group sg-a)");
        const lost = read({ remote_ip_prefix: null, remote_group_id: "sg-b" }, remotes);
        assert.deepEqual(lost.unresolved, ["remote group sg-b"]);
        assert.deepEqual(cidrs(lost), ["0.0.0.0/0"]);
        assert.equal(
            lost.sources[0].admits,
            "0.0.0.0/0 (remote group sg-b could not be resolved: counted as any address)",
        );
        const odd = read({ remote_ip_prefix: null, remote_group_id: 5 }, remotes);
        assert.equal(odd.unreadable, "remote group 5");
        const noRemote = read({ remote_ip_prefix: "", remote_group_id: "" });
        assert.deepEqual(cidrs(noRemote), ["0.0.0.0/0"]);
        assert.equal(noRemote.sources[0].admits, "0.0.0.0/0 (no remote: any address)");
        const badPrefix = read({ remote_ip_prefix: 10 });
        assert.equal(badPrefix.unreadable, "remote_ip_prefix 10");
    });

    it("names every unreadable field of one rule, and reads absent port fields as every port", () => {
        const r = read({ direction: "in", protocol: "tcpx" });
        assert.equal(r.unreadable, 'direction "in"; protocol "tcpx"');
        const absent = read({ port_range_min: undefined, port_range_max: undefined });
        assert.equal(absent.unreadable, undefined);
        assert.deepEqual(absent.ports, PORTS);
        assert.equal(absent.why(22), "tcp, all ports");
    });

    it("says what each source admits: the prefix itself, its network, or a member's group", () => {
        assert.equal(read({ remote_ip_prefix: "10.0.0.1/32" }).sources[0].admits, "10.0.0.1/32");
        assert.equal(
            read({ remote_ip_prefix: "10.0.0.9/24" }).sources[0].admits,
            "10.0.0.0/24 (stored as 10.0.0.9/24)",
        );
        // normalized_cidr alone (remote_ip_prefix not a string): no "stored as" to show.
        const normalized = read({ remote_ip_prefix: null, normalized_cidr: "10.2.0.0/16" });
        assert.equal(normalized.unreadable, undefined);
        assert.equal(normalized.sources[0].admits, "10.2.0.0/16");
        // One list of addresses behind a remote group and an address group: each named.
        const shared = ["10.3.0.1"];
        const remotes = none();
        remotes.groups.set("sg-a", shared);
        remotes.addressGroups.set("ag-b", shared);
        remotes.groups.set("sg-c", ["not-an-address"]);
        const viaGroup = read({ remote_ip_prefix: null, remote_group_id: "sg-a" }, remotes);
        const viaAddressGroup = read(
            { remote_ip_prefix: null, remote_address_group_id: "ag-b" },
            remotes,
        );
        assert.equal(viaGroup.sources[0].admits, "10.3.0.1/32 (in remote group sg-a)");
        assert.equal(
            viaAddressGroup.sources[0].admits,
            "10.3.0.1/32 (in remote address group ag-b)",
        );
        const bad = read({ remote_ip_prefix: null, remote_group_id: "sg-c" }, remotes);
        assert.match(bad.unreadable!, /^remote group sg-c address "not-an-address" \(/);
    });
});
