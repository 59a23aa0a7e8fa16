// `capi-mgmt-ingress bench <suite...>`: one JSON document per suite on stdout.
export const benchSuites: Record<string, () => Promise<object>> = {
    cli: () => import("./bench/cli").then((m) => m.run()),
    discovery: () => import("./bench/discovery").then((m) => m.run()),
    "exposure-model": () => import("./bench/exposure-model").then((m) => m.run()),
    exposure: () => import("./bench/exposure").then((m) => m.run()),
    openstack: () => import("./bench/openstack").then((m) => m.run()),
    verify: () => import("./bench/verify").then((m) => m.run()),
};

export async function runBench(names: string[], write: (text: string) => void): Promise<void> {
    for (const name of names) {
        write(JSON.stringify({ suite: name, ...(await benchSuites[name]()) }, null, 2) + "\n");
    }
}
