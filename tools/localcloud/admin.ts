// Admin-only Networking API calls the local cloud's tests and benchmarks need (creating and
// deleting groups, setting quotas); the program itself never makes them.
import { isOpenStackError } from "../../components/openstack/http";
import { networkRequest, type Session } from "../../components/openstack/keystone";
import type { SecurityGroup } from "../../components/openstack/resources";

export async function createSecurityGroup(
    s: Session,
    group: { name: string; description?: string; project_id?: string },
): Promise<SecurityGroup> {
    const data = (await networkRequest(
        s,
        "POST",
        "/v2.0/security-groups",
        { security_group: group },
        [201],
    )) as { security_group: SecurityGroup };
    return data.security_group;
}

/** Deletes a group and with it its rules; 404 is done. */
export async function deleteSecurityGroup(s: Session, id: string): Promise<void> {
    try {
        await networkRequest(
            s,
            "DELETE",
            `/v2.0/security-groups/${encodeURIComponent(id)}`,
            undefined,
            [204],
        );
    } catch (err) {
        if (!isOpenStackError(err, "NotFoundError")) {
            throw err;
        }
    }
}
/** Sets the project's security group and rule quotas (admin only). */
export async function setSecurityGroupQuota(
    s: Session,
    projectId: string,
    quota: { security_group?: number; security_group_rule?: number },
): Promise<void> {
    await networkRequest(
        s,
        "PUT",
        `/v2.0/quotas/${encodeURIComponent(projectId)}`,
        { quota },
        [200],
    );
}
