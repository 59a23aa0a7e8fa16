// `npm run bench -- <suite>`: prints one JSON document per suite.
const suites: Record<string, () => Promise<unknown>> = {
    discovery: () => import("./bench/discovery").then((m) => m.run()),
    exposure: () => import("./bench/exposure").then((m) => m.run()),
    openstack: () => import("./bench/openstack").then((m) => m.run()),
    verify: () => import("./bench/verify").then((m) => m.run()),
};

async function main(): Promise<void> {
    const names = process.argv.slice(2);
    const unknown = names.filter((name) => !(name in suites));
    if (unknown.length > 0 || names.length === 0) {
        console.error(`usage: npm run bench -- <${Object.keys(suites).join("|")}> ...`);
        process.exit(2);
    }
    for (const name of names) {
        console.log(
            JSON.stringify({ suite: name, ...((await suites[name]()) as object) }, null, 2),
        );
    }
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
