"""python-barbicanclient (PyPI) driving Tresor's Barbican-compatible API.

Usage: barbican_client.py ENDPOINT CONFIG_JSON

CONFIG_JSON holds: project (tenant id), token (a user API key of it),
reader_token and reader_principal (a readonly API key of the same project),
other_project and other_token (another tenant's user key), admin_token (a
platform admin key), ca (a CA name of the project, for a certificate order)
and csr (a PEM CSR). Prints one JSON line per step: {"step", "ok", "value"
or "error"}; the Rust test decides what each step must show.
"""

import base64
import json
import os
import subprocess
import sys
import traceback

import requests
from barbicanclient import client as bclient
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint

ENDPOINT = sys.argv[1]
CFG = json.loads(sys.argv[2])


def make_client(token, project, microversion=None):
    sess = ks_session.Session(auth=token_endpoint.Token(ENDPOINT, token))
    kwargs = {"session": sess, "endpoint": ENDPOINT, "project_id": project}
    if microversion:
        kwargs["microversion"] = microversion
    return bclient.Client(**kwargs)


def step(name, fn):
    try:
        value = fn()
        print(json.dumps({"step": name, "ok": True, "value": value}, default=str))
        return value
    except Exception as e:  # each failure is reported, the Rust test judges
        err = "%s: %s" % (type(e).__name__, e)
        status = getattr(e, "status_code", None)
        print(json.dumps({"step": name, "ok": False, "error": err, "status": status}))
        if "--trace" in sys.argv:
            traceback.print_exc(file=sys.stderr)
        return None


def raw(method, path, token, project, **kw):
    headers = kw.pop("headers", {})
    headers.update({"X-Auth-Token": token, "X-Project-Id": project})
    return requests.request(method, ENDPOINT + path, headers=headers, timeout=30, **kw)


bc = make_client(CFG["token"], CFG["project"])
step("microversion", lambda: bc.client.microversion)

# Secrets of every type, text and binary payloads.
refs = {}
kinds = {
    "symmetric": (b"\x00\x01\x02" * 10 + b"\xff\xfe", "aes", 256),
    "public": (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "rsa", 2048),
    "private": (b"\x30\x82\x01\x02binary-private", "rsa", 2048),
    "passphrase": ("correct horse battery staple", None, None),
    "certificate": (b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", None, None),
    "opaque": (bytes(range(256)), None, None),
}
for kind, (payload, alg, bits) in kinds.items():
    def store(kind=kind, payload=payload, alg=alg, bits=bits):
        s = bc.secrets.create(name="s-" + kind, payload=payload, secret_type=kind,
                              algorithm=alg, bit_length=bits, mode="cbc" if alg == "aes" else None)
        ref = s.store()
        refs[kind] = ref
        got = bc.secrets.get(ref)
        back = got.payload
        if isinstance(payload, str):
            assert back == payload, (back, payload)
        else:
            assert bytes(back) == payload, (back, payload)
        return {"ref": ref, "type": got.secret_type, "status": got.status,
                "content_types": got.content_types}
    step("store_" + kind, store)


def two_step():
    s = bc.secrets.create(name="two-step", secret_type="opaque")
    ref = s.store()
    empty = bc.secrets.get(ref)
    had = empty.content_types
    bc.secrets.update(ref, b"later payload \x00\x01")
    got = bc.secrets.get(ref)
    return {"before": had, "after": got.content_types, "payload": base64.b64encode(got.payload).decode()}


step("two_step", two_step)


def listing():
    all_ = bc.secrets.list(limit=100)
    named = bc.secrets.list(name="s-symmetric")
    by_alg = bc.secrets.list(algorithm="aes", bits=256)
    by_type = bc.secrets.list(secret_type="passphrase")
    sorted_ = bc.secrets.list(sort="name:desc", limit=3)
    paged = bc.secrets.list(limit=2, offset=1)
    created = bc.secrets.list(created="gt:2000-01-01T00:00:00")
    return {"all": len(all_), "named": [s.name for s in named], "by_alg": [s.name for s in by_alg],
            "by_type": [s.name for s in by_type], "sorted": [s.name for s in sorted_],
            "paged": len(paged), "created": len(created)}


step("list", listing)


def metadata():
    ref = refs["passphrase"]
    bc.secrets.set_secret_metadata(ref, {"team": "ops", "env": "prod"})
    bc.secrets.add_secret_metadata(ref, "owner", "alice")
    one = bc.secrets.get_secret_metadata(ref, "owner")
    bc.secrets.delete_secret_metadata(ref, "env")
    return {"one": one, "all": bc.secrets.get_secret_metadata(ref)}


step("metadata", metadata)


# Containers of each type.
def containers():
    generic = bc.containers.create(name="generic", secrets={
        "a": bc.secrets.get(refs["opaque"]), "b": bc.secrets.get(refs["passphrase"])})
    gref = generic.store()
    rsa = bc.containers.create_rsa(name="rsa", public_key=bc.secrets.get(refs["public"]),
                                   private_key=bc.secrets.get(refs["private"]))
    rref = rsa.store()
    cert = bc.containers.create_certificate(name="cert", certificate=bc.secrets.get(refs["certificate"]),
                                            private_key=bc.secrets.get(refs["private"]))
    cref = cert.store()
    g = bc.containers.get(gref)
    r = bc.containers.get(rref)
    c = bc.containers.get(cref)
    listed = bc.containers.list(limit=100)
    rsa_only = bc.containers.list(type="rsa")
    return {"generic": sorted(g.secret_refs.keys()), "rsa": r.secret_refs["public_key"] == refs["public"],
            "certificate": c.secret_refs["certificate"] == refs["certificate"], "listed": len(listed),
            "rsa_only": [x.name for x in rsa_only], "refs": [gref, rref, cref]}


crefs = step("containers", containers)


def container_members():
    gref = crefs["refs"][0]
    uuid = gref.rstrip("/").split("/")[-1]
    r = raw("POST", "/v1/containers/%s/secrets" % uuid, CFG["token"], CFG["project"],
            json={"name": "c", "secret_ref": refs["symmetric"]})
    r2 = raw("DELETE", "/v1/containers/%s/secrets" % uuid, CFG["token"], CFG["project"],
             json={"name": "a", "secret_ref": refs["opaque"]})
    g = bc.containers.get(gref)
    return {"add": r.status_code, "remove": r2.status_code, "members": sorted(g.secret_refs.keys())}


if crefs:
    step("container_members", container_members)


# Orders: a key and an RSA pair.
def order_key():
    o = bc.orders.create_key(name="ordered", algorithm="aes", bit_length=256, mode="cbc",
                             payload_content_type="application/octet-stream")
    ref = o.submit()
    got = bc.orders.get(ref)
    secret = bc.secrets.get(got.secret_ref)
    return {"status": got.status, "bits": secret.bit_length, "len": len(secret.payload)}


step("order_key", order_key)


def order_rsa():
    o = bc.orders.create_asymmetric(name="pair", algorithm="rsa", bit_length=2048)
    ref = o.submit()
    got = bc.orders.get(ref)
    c = bc.containers.get(got.container_ref)
    private = bc.secrets.get(c.secret_refs["private_key"]).payload
    public = bc.secrets.get(c.secret_refs["public_key"]).payload
    return {"status": got.status, "type": got._type, "private": bytes(private).decode()[:27],
            "public": bytes(public).decode()[:26], "orders": len(bc.orders.list())}


step("order_rsa", order_rsa)


def order_bad():
    o = bc.orders.create_key(name="bad", algorithm="aes", bit_length=100)
    return o.submit()


step("order_bad", order_bad)


def order_certificate():
    r = raw("POST", "/v1/orders", CFG["token"], CFG["project"], json={
        "type": "certificate",
        "meta": {"ca_id": CFG["ca"], "request_data": base64.b64encode(CFG["csr"].encode()).decode(),
                 "profile": "server-tls", "name": "cert-order"}})
    assert r.status_code == 202, (r.status_code, r.text)
    o = raw("GET", "/v1/orders/" + r.json()["order_ref"].split("/")[-1], CFG["token"], CFG["project"]).json()
    c = bc.containers.get(o["container_ref"])
    cert = bytes(bc.secrets.get(c.secret_refs["certificate"]).payload).decode()
    return {"status": o["status"], "cert": cert.splitlines()[0], "intermediates": "intermediates" in c.secret_refs}


step("order_certificate", order_certificate)


# ACLs: the readonly principal cannot read until the ACL names it.
reader = make_client(CFG["reader_token"], CFG["project"])


def reader_get():
    return bytes(reader.secrets.get(refs["opaque"]).payload).hex()[:8]


step("reader_before_acl", reader_get)


def acl_set():
    acl = bc.acls.create(entity_ref=refs["opaque"], users=[CFG["reader_principal"]], project_access=False)
    acl.submit()
    got = bc.acls.get(refs["opaque"])
    return {"users": got.read.users, "project_access": got.read.project_access}


step("acl_set", acl_set)
step("reader_after_acl", reader_get)


def acl_delete():
    got = bc.acls.get(refs["opaque"])
    got.remove()
    again = bc.acls.get(refs["opaque"])
    return {"users": again.read.users, "project_access": again.read.project_access}


step("acl_delete", acl_delete)
step("reader_after_acl_delete", reader_get)


# Consumers (microversion 1.1+) and forced delete (1.2).
def consumers():
    bc.secrets.register_consumer(refs["certificate"], "lbaas", "listener", "l-1")
    bc.secrets.register_consumer(refs["certificate"], "lbaas", "listener", "l-1")
    listed = bc.secrets.list_consumers(refs["certificate"])
    got = bc.secrets.get(refs["certificate"])
    c = bc.containers.register_consumer(crefs["refs"][2], "octavia", "https://lb/1")
    return {"listed": [(x.service, x.resource_type, x.resource_id) for x in listed],
            "on_secret": len(got.consumers), "container": len(c.consumers)}


step("consumers", consumers)


def delete_in_use():
    bc.secrets.delete(refs["certificate"])


step("delete_in_use", delete_in_use)


def delete_forced():
    bc.secrets.delete(refs["certificate"], force=True)
    try:
        bc.secrets.get(refs["certificate"]).payload
    except Exception as e:
        return getattr(e, "status_code", None)
    return "still there"


step("delete_forced", delete_forced)


def remove_consumer():
    bc.containers.remove_consumer(crefs["refs"][2], "octavia", "https://lb/1")
    return len(bc.containers.get(crefs["refs"][2]).consumers)


step("remove_consumer", remove_consumer)


# Secret stores and quotas over HTTP (the client has no managers for them).
def secret_stores():
    listed = raw("GET", "/v1/secret-stores", CFG["token"], CFG["project"]).json()
    default = raw("GET", "/v1/secret-stores/global-default", CFG["token"], CFG["project"]).json()
    return {"total": listed["total"], "default": default["global_default"], "name": default["name"]}


step("secret_stores", secret_stores)


def quotas():
    admin = CFG["admin_token"]
    project = CFG["project"]
    put = raw("PUT", "/v1/project-quotas/" + project, admin, project,
              json={"project_quotas": {"containers": 3, "secrets": -1}})
    read = raw("GET", "/v1/project-quotas/" + project, admin, project).json()
    mine = raw("GET", "/v1/quotas", CFG["token"], project).json()
    blocked = raw("POST", "/v1/containers", CFG["token"], project, json={"name": "over", "type": "generic"})
    user_put = raw("PUT", "/v1/project-quotas/" + project, CFG["token"], project,
                   json={"project_quotas": {"containers": 100}})
    deleted = raw("DELETE", "/v1/project-quotas/" + project, admin, project)
    after = raw("POST", "/v1/containers", CFG["token"], project, json={"name": "after", "type": "generic"})
    return {"put": put.status_code, "read": read["project_quotas"], "mine": mine["quotas"],
            "blocked": blocked.status_code, "blocked_title": blocked.json().get("title"),
            "user_put": user_put.status_code, "deleted": deleted.status_code, "after": after.status_code}


step("quotas", quotas)


# The `barbican` CLI, authenticated through Tresor's Keystone v3 token API.
def cli(*args):
    exe = os.path.join(os.path.dirname(sys.executable), "barbican")
    cmd = [exe, "--os-auth-url", ENDPOINT + "/identity/v3", "--os-auth-token", CFG["token"],
           "--os-project-id", CFG["project"], "--endpoint", ENDPOINT] + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, (out.returncode, out.stdout, out.stderr)
    return out.stdout.strip()


def cli_round_trip():
    href = cli("secret", "store", "--name", "from-cli", "--payload", "cli payload",
               "-f", "value", "-c", "Secret href")
    payload = cli("secret", "get", "--payload", href, "-f", "value")
    listed = cli("secret", "list", "--name", "from-cli", "-f", "value", "-c", "Name")
    cli("secret", "delete", href)
    return {"href": href.split("/")[-1], "payload": payload, "listed": listed}


step("cli", cli_round_trip)


# Isolation: another project's key sees none of this.
other = make_client(CFG["other_token"], CFG["other_project"])


def other_read():
    return other.secrets.get(refs["opaque"]).payload


step("other_read", other_read)
step("other_list", lambda: len(other.secrets.list()))
step("other_containers", lambda: len(other.containers.list()))


def other_as_project():
    # Claiming the first project with the other project's key is refused.
    c = make_client(CFG["other_token"], CFG["project"])
    return len(c.secrets.list())


step("other_as_project", other_as_project)


def delete_all():
    for kind, ref in refs.items():
        if kind != "certificate":
            bc.secrets.delete(ref)
    return len(bc.secrets.list(name="s-opaque"))


step("delete", delete_all)
