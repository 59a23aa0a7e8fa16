// What each stack config key means, for editors (stacks/config.schema.json) and for Pulumi.yaml.
// Keyed by path below the `capi-mgmt-ingress:` namespace; `[]` stands for an array's items.
// The schema's keys, types, bounds and defaults come from schema.ts; a unit test fails when a key
// there has no description here, or a description names no key.
export const KEY_DESCRIPTIONS: Record<string, string> = {
    cloud:
        "clouds.yaml entry (as OS_CLOUD) for the rule listing, the read-back gate, the " +
        "retirement, the checks and the openstack provider. Empty: the OS_* variables.",
    securityGroup:
        "The group guarding the management cluster's API: exactly one of name or id. It must " +
        "resolve to one group that guards the API's port.",
    "securityGroup.name": "The group's name, e.g. capi-mgmt-sg.",
    "securityGroup.id": "The group's id.",
    api:
        "The management cluster's API: an address (and port), or fromKubeconfig to read the " +
        "server URL the conductors really use.",
    "api.address": "The API's IP address (a floating or fixed IP on a port the group guards).",
    "api.port": "The API's port, with address; 6443 when absent. One of protectedPorts.",
    "api.fromKubeconfig":
        "Read the server URL from the conductors' kubeconfig ([capi_helm] kubeconfig_file) on " +
        "the units; only its server: lines are read.",
    "api.fromKubeconfig.path": "The kubeconfig's path on the conductor units.",
    conductors:
        "Where the Magnum conductor units' sources come from: exactly one of juju (measured " +
        "live per unit) or static.",
    "conductors.juju":
        "Measure each unit's source toward the API (`ip -j route get`) through `juju exec` or " +
        "`juju run`; a unit that cannot be measured fails the preview.",
    "conductors.juju.model": "The Juju model holding the Magnum application.",
    "conductors.juju.application": "The Magnum application's name.",
    "conductors.juju.timeoutSeconds": "Timeout of each Juju call, in seconds.",
    "conductors.juju.concurrency": "Units measured at once.",
    "conductors.juju.bin": "The juju client to run (a path or a name on PATH).",
    "conductors.static":
        "Conductor sources listed by hand, with a reason (the handshake check then needs " +
        "verify.conductors.enabled: false).",
    "conductors.static.addresses": "One IP address per conductor unit.",
    "conductors.static.reason": "Why the sources are not measured through Juju.",
    operator: "The operator's source as the API sees it (after any NAT), and why.",
    "operator.cidrs": "Addresses or CIDRs, e.g. 10.12.4.1/32.",
    "operator.ports":
        "The protected ports the operator may reach; defaults to [6443, 22], so set it to a subset of protectedPorts when they differ.",
    "operator.reason": "Who stands behind these sources.",
    hairpin:
        "The management cluster reaching its own API: its subnets, its routers' external IPs " +
        "(SNAT), and CIDRs listed by hand.",
    "hairpin.subnets": "Subnets (name or id) whose CIDRs are admitted.",
    "hairpin.routers": "Routers (name or id) whose external gateway IPs are admitted.",
    "hairpin.cidrs": "CIDRs admitted with a reason each.",
    "hairpin.cidrs[].cidr": "An address or CIDR.",
    "hairpin.cidrs[].reason": "Why it is admitted.",
    "hairpin.ports":
        "The API's port, the only one hairpin sources may reach (SSH admits the operator alone: the ruling, D-063); defaults to the API's port.",
    protectedPorts: "The TCP ports this program guards on the group.",
    retire:
        "What counts as a wide rule to retire once the tight rules are read back. Default: " +
        "0.0.0.0/0 and ::/0 on every protected port.",
    "retire[].remote": "The remote prefix of the rules to retire, e.g. 0.0.0.0/0.",
    "retire[].ports": "The ports; every protected port when absent.",
    minPrefixLength: "Narrowest IPv4 prefix length admitted without a waiver.",
    minPrefixLengthIpv6: "Narrowest IPv6 prefix length admitted without a waiver.",
    waivers: "Prefixes wider than the floors, admitted with a reason each.",
    "waivers[].cidr": "The wide prefix.",
    "waivers[].reason": "Why it is admitted.",
    acceptedExposure:
        "Rules or groups on the API's port whose exposure beyond the allow-set is accepted, each with a reason; shown in every review and output.",
    "acceptedExposure[].group":
        "A security group on the API's port (name or id) whose every rule is accepted.",
    "acceptedExposure[].rule": "A rule id whose exposure is accepted.",
    "acceptedExposure[].reason": "Why this exposure is accepted.",
    allowDestroy:
        "Lets `pulumi destroy` remove the tight rules after the wide ones were retired, and an " +
        "`up` remove the rules of allow-set entries it drops that no other rule admits; either " +
        "locks those sources out unless access was restored another way.",
    approvedRetirement:
        "The retirement digest a reviewer approved (printed by the review): the wide rules are " +
        "deleted only when the retire targets measured at preview and up have this digest.",
    verify: "The checks after a change: conductor handshake, operator /readyz, tenant isolation.",
    "verify.mode":
        "When the checks run: onChange (when the allow-set, the retire set or a check's " +
        "settings change), always (every update), or never.",
    "verify.conductors": "A TCP handshake from each conductor unit to the API, through Juju.",
    "verify.conductors.enabled": "Run the conductor handshake (needs conductors.juju).",
    "verify.conductors.timeoutSeconds": "Timeout of each handshake, in seconds.",
    "verify.operator": "The operator's GET /readyz on the API, with the operator's kubeconfig.",
    "verify.operator.kubeconfig": "The operator's kubeconfig for the management cluster.",
    "verify.operator.context": "Its context; the current context when absent.",
    "verify.operator.timeoutSeconds": "Timeout of the request, in seconds.",
    "verify.tenant": "A tenant pod's connection to the API, which must time out.",
    "verify.tenant.kubeconfig": "The tenant cluster's kubeconfig.",
    "verify.tenant.context": "Its context; the current context when absent.",
    "verify.tenant.namespace": "The namespace of the pod.",
    "verify.tenant.pod": "An existing pod to exec into (exactly one of pod or image).",
    "verify.tenant.image": "An image for a short-lived probe pod (exactly one of pod or image).",
    "verify.tenant.kubectl": "The kubectl client to run.",
    "verify.tenant.timeoutSeconds": "How long the connection must stay unanswered, in seconds.",
    "verify.custom": "Commands run on the operator's machine after the change, e.g. a resize.",
    "verify.custom[].name": "The check's name (lower-case letters, digits and dashes).",
    "verify.custom[].command": "The shell command; kept encrypted in state.",
    "verify.custom[].expect": "What passes: an exit code and/or a pattern for stdout.",
    "verify.custom[].expect.exitCode": "The expected exit code.",
    "verify.custom[].expect.stdoutMatches": "A regular expression stdout must match.",
    "verify.custom[].timeoutSeconds": "Timeout of the command, in seconds.",
    "verify.custom[].env":
        "Environment variables for the command; values may be Pulumi secrets (`pulumi config set --secret --path`), kept encrypted in state and never printed; a variable named like a credential (password, token, secret, ...) must be one.",
};
