// Clients of the running cloud for the seed and the tests: a token from clouds.yaml's accounts
// and raw Networking API calls.
import { z } from "zod";
import { parseCloudsFile } from "../../components/openstack/clouds-files";
import { LocalCloud } from "./cloud";
import { AUTH_URL, NETWORK_URL } from "./layout";

export interface Session {
    token: string;
    projectId: string;
}

export const CloudsYaml = z.object({
    clouds: z.record(
        z.string(),
        z.object({
            auth: z.object({
                username: z.string(),
                password: z.string(),
                project_name: z.string(),
            }),
        }),
    ),
});

/** A project-scoped token for one of the clouds in cloud.cloudsYaml. */
export async function authenticate(cloud: LocalCloud, cloudName: string): Promise<Session> {
    // Read as the program reads it: a parse error names no value (the file holds passwords).
    const clouds = CloudsYaml.parse(parseCloudsFile(cloud.cloudsYaml)).clouds;
    const entry = clouds[cloudName];
    if (entry === undefined) {
        throw new Error(`${cloud.cloudsYaml}: expected a cloud named "${cloudName}"`);
    }
    return passwordToken(entry.auth.username, entry.auth.project_name, entry.auth.password);
}

export interface ApiResponse {
    status: number;
    body: unknown;
}

/** One Networking API call; the caller judges the status. */
export async function networkCall(
    session: Session,
    method: "GET" | "POST" | "PUT" | "DELETE",
    url: string,
    body?: unknown,
): Promise<ApiResponse> {
    const response = await fetch(`${NETWORK_URL}${url}`, {
        method,
        headers: { "X-Auth-Token": session.token, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

export async function passwordToken(
    username: string,
    project: string,
    password: string,
): Promise<Session> {
    const url = `${AUTH_URL}/auth/tokens`;
    const response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
            auth: {
                identity: {
                    methods: ["password"],
                    password: { user: { name: username, domain: { id: "default" }, password } },
                },
                scope: { project: { name: project, domain: { id: "default" } } },
            },
        }),
    });
    const token = response.headers.get("x-subject-token");
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status !== 201 || token === null) {
        throw new Error(
            `keystone POST ${url} as ${username} in project ${project}: expected 201 with ` +
                `X-Subject-Token, got ${response.status} ${JSON.stringify(body)?.slice(0, 300)}`,
        );
    }
    const projectId = z
        .object({ token: z.object({ project: z.object({ id: z.string() }) }) })
        .parse(body).token.project.id;
    return { token, projectId };
}
