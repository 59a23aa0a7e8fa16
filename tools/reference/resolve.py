#!/usr/bin/python3
"""Resolves OpenStack credentials with openstacksdk's config loader, for the differential test.

Reads a JSON list of scenarios on stdin, each {"id", "cwd", "env", "cloud"?}, and prints one JSON
list: per scenario either {"id", "ok": true, "identity": {...}} or {"id", "ok": false, "error"}.
Each scenario runs with exactly its environment and working directory; the loader module is
reloaded for each, because it computes its search path (cwd, ~, XDG) when imported. The
identity holds no secret, only whether one was found.

Usage: /usr/bin/python3 tools/reference/resolve.py < scenarios.json
Exit codes: 0 answers printed (per-scenario failures included), 2 bad input.
"""
import importlib
import json
import os
import sys
import warnings

import openstack.config.loader as loader


def resolve(scenario):
    os.environ.clear()
    os.environ.update(scenario["env"])
    os.chdir(scenario["cwd"])
    module = importlib.reload(loader)
    # Deprecation and "cacert but insecure" warnings are not answers: keep stderr quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        config = module.OpenStackConfig()
        region = config.get_one(scenario.get("cloud") or None)
        auth = region.config.get("auth") or {}
        plugin = region.get_auth()
        verify, _cert = region.get_requests_verify_args()

    def text(key):
        value = auth.get(key)
        return None if value in (None, "") else str(value)

    return {
        "authUrl": text("auth_url"),
        "method": region.config.get("auth_type"),
        "plugin": type(plugin).__name__ if plugin is not None else None,
        "username": text("username"),
        "userId": text("user_id"),
        "userDomainName": text("user_domain_name"),
        "userDomainId": text("user_domain_id"),
        "projectName": text("project_name"),
        "projectId": text("project_id"),
        "projectDomainName": text("project_domain_name"),
        "projectDomainId": text("project_domain_id"),
        "applicationCredentialId": text("application_credential_id"),
        "applicationCredentialName": text("application_credential_name"),
        "hasPassword": bool(auth.get("password")),
        "hasApplicationCredentialSecret": bool(auth.get("application_credential_secret")),
        "regionName": region.region_name or None,
        "interface": region.get_interface("network"),
        "verify": verify,
    }


def main():
    try:
        scenarios = json.load(sys.stdin)
    except ValueError as err:
        print("stdin is not JSON: %s" % err, file=sys.stderr)
        return 2
    results = []
    for scenario in scenarios:
        try:
            results.append({"id": scenario["id"], "ok": True, "identity": resolve(scenario)})
        except Exception as err:  # the reference's refusal is an answer too
            # The kind only: PyYAML's messages quote the line, which may hold a password.
            results.append({"id": scenario["id"], "ok": False, "error": type(err).__name__})
    sys.stdout.write(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
