// Where a service's processes listen: the IPv4 addresses of their listening TCP sockets, read
// from /proc (each process's fd links `socket:[inode]`, and /proc/net/tcp's rows in state 0A,
// LISTEN, with those inodes; proc(5)). The address a cloud was started under is not recorded
// anywhere else that stays true: etc/ is rendered again on every start.
import * as fs from "node:fs";

/** The IPv4 addresses (dotted, sorted, "0.0.0.0" for any) the processes `pids` listen on. */
export function listeningAddresses(pids: number[]): string[] {
    const inodes = new Set<string>();
    for (const pid of pids) {
        let fds: string[] = [];
        try {
            fds = fs.readdirSync(`/proc/${pid}/fd`);
        } catch {
            continue; // Gone meanwhile.
        }
        for (const fd of fds) {
            try {
                const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
                if (inode) {
                    inodes.add(inode[1]);
                }
            } catch {
                // Closed meanwhile.
            }
        }
    }
    const addresses = new Set<string>();
    for (const row of fs.readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
        const fields = row.trim().split(/\s+/);
        if (fields.length < 10 || fields[3] !== "0A" || !inodes.has(fields[9])) {
            continue;
        }
        addresses.add(hexAddress(fields[1].split(":")[0]));
    }
    return [...addresses].sort();
}

/** /proc/net/tcp's address: the 32-bit word in host (little-endian) byte order, as hex. */
export function hexAddress(hex: string): string {
    return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(".");
}
