// Where the local cloud lives and how it is reached: its directories under .cloud/, its loopback
// address (LOCAL_CLOUD_HOST), the services' URLs and the state file written at initialization.
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

export const ROOT = path.resolve(__dirname, "../..");
export const CLOUD_DIR = path.join(ROOT, ".cloud");
export const TEMPLATES = path.join(ROOT, "scripts", "local-cloud");
export const DIRS = {
    etc: path.join(CLOUD_DIR, "etc"),
    data: path.join(CLOUD_DIR, "data"),
    snapshot: path.join(CLOUD_DIR, "snapshot"),
    run: path.join(CLOUD_DIR, "run"),
    log: path.join(CLOUD_DIR, "log"),
};
export const CONFIGS = ["keystone.conf", "neutron.conf", "ml2_conf.ini"];
export const STATE_FILE = "cloud.json";
export const CLOUDS_YAML = path.join(CLOUD_DIR, "clouds.yaml");
export const OPENRC = path.join(CLOUD_DIR, "openrc");

// LOCAL_CLOUD_HOST lets two checkouts run their clouds side by side, each on its own loopback
// address; anything outside 127.0.0.0/8 is refused, so the cloud never listens off the machine.
export const HOST = loopbackHost(process.env.LOCAL_CLOUD_HOST);
export const IDENTITY_URL = `http://${HOST}:5000`;
export const AUTH_URL = `${IDENTITY_URL}/v3`;
export const NETWORK_URL = `http://${HOST}:9696`;
export const REGION = "RegionOne";
export const TENANT_CLOUD = "rehearsal";
export const ADMIN_CLOUD = "rehearsal-admin";

export const PYTHON = "/usr/bin/python3";
export const REQUIRED_FILES = [
    PYTHON,
    "/usr/bin/keystone-manage",
    "/usr/bin/keystone-wsgi-public",
    "/usr/bin/uwsgi",
    "/usr/bin/neutron-server",
    "/usr/lib/python3/dist-packages/neutron/db/migration/cli.py",
];
// Set in every service's environment: a pid file's process is ours only if it carries this
// (or, once setproctitle has overwritten the environment, names our config directory).
export const MARKER = "LOCAL_CLOUD_DIR";
export const START_TIMEOUT_MS = 90_000;
export const STOP_TIMEOUT_MS = 10_000;

export type Service = "keystone" | "neutron";

export const CloudState = z.object({
    fingerprint: z.string(),
    adminPassword: z.string().min(16),
    neutronPassword: z.string().min(16),
    operatorPassword: z.string().min(16),
    tenantProjectId: z.string().regex(/^[0-9a-f]{32}$/),
});
export type CloudState = z.infer<typeof CloudState>;

export function loopbackHost(value: string | undefined): string {
    if (value === undefined || value === "") {
        return "127.0.0.1";
    }
    if (!/^127\.(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){2}$/.test(value)) {
        throw new Error(`LOCAL_CLOUD_HOST=${value}: expected an IPv4 loopback address (127.x.y.z)`);
    }
    return value;
}

export function readState(dir: string): CloudState {
    const file = path.join(dir, STATE_FILE);
    return CloudState.parse(JSON.parse(fs.readFileSync(file, "utf8")));
}

export function pidFile(service: Service): string {
    return path.join(DIRS.run, `${service}.pid`);
}

export function etcFile(name: string): string {
    return path.join(DIRS.etc, name);
}

export function dataFile(name: string): string {
    return path.join(DIRS.data, name);
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
