#!/usr/bin/env python3
"""Regenerate the rootlens sample data set (see README.md in this directory).

Python 3.11+, standard library only.  Deterministic: fixed seeds, no network, no
wall-clock.  Every output file is rewritten byte-for-byte identically on each run
(gzip members carry mtime=0 and no file name).

    python3 sample-data/generate.py            # writes next to this script
    python3 sample-data/generate.py --out DIR  # writes somewhere else

Generated paths (relative to the output directory) are removed and rewritten;
README.md and generate.py are never touched.
"""

from __future__ import annotations

import argparse
import base64
import csv
import gzip
import hashlib
import io
import json
import os
import random
import re
import shutil
import sys
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone

sys.dont_write_bytecode = True  # no __pycache__ in the sample folder
import mmdb_writer  # noqa: E402  (beside this script)

UTC = timezone.utc

# --------------------------------------------------------------------------------------
# Constants of the scenario
# --------------------------------------------------------------------------------------

PROD = "111122223333"
DEV = "444455556666"
ORG = "o-a1b2c3d4e5"
REGIONS = ["us-east-1", "eu-west-1"]

PROD_BUCKET = "acme-prod-cloudtrail-111122223333"
ORG_BUCKET = "acme-org-cloudtrail-o-a1b2c3d4e5"
TRAIL_NAME = "management-events"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{PROD}:trail/{TRAIL_NAME}"

START = datetime(2024, 5, 6, tzinfo=UTC)
END = datetime(2024, 6, 3, tzinfo=UTC)  # exclusive

# Routable addresses, so that a geo database can place them (documentation ranges never are);
# where they are is made up: see GEO below.
ATTACKER_SIGNIN_IP = "45.133.172.19"
ATTACKER_CLI_IP = "103.251.167.23"
ROOT_KEY = "AKIAEXAMPLEROOTKEY01"
BACKDOOR_KEY = "AKIAEXAMPLEBACKDOOR1"
BACKDOOR_USER = "svc-backup"
BACKDOOR_USER_ID = "AIDAEXAMPLESVCBKP01"
KALI_UA = ("aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2024 "
           "prompt/off command/{cmd}")
ATTACKER_BROWSER = ("Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 "
                    "Firefox/125.0")

STOP_TIME = datetime(2024, 5, 27, 22, 52, 3, tzinfo=UTC)
RESTART_TIME = datetime(2024, 5, 30, 9, 6, 12, tzinfo=UTC)
ALICE_RESTART_LOGIN = datetime(2024, 5, 30, 9, 4, 31, tzinfo=UTC)
ALICE_RESTART_KEY = "ASIAYVP4CIPPRESTART1"

OFFICE_IPS = ["81.171.22.140", "81.171.22.141"]
ALICE_HOME_V6 = "2a02:c7c:5a1e:f400:4d1:8b2e:91aa:17c3"
BOB_IPS = ["73.162.85.211", "2601:646:8d80:1a40:9c1e:3bff:fe21:5c10"]
CAROL_IPS = ["86.12.201.33"]
ERIN_IPS = ["109.150.77.4", "2a00:23c7:e28c:d01:1d6f:44e2:8a3b:c9f0"]
QA_IPS = ["18.134.77.201"]

# The SYNTHETIC geo database shipped in GeoIP/ (see README.md): every address above that signs
# in or calls an API, and nothing else, with an invented place and network. The places are
# real cities (coordinates rounded); the networks use the documentation AS numbers of RFC 5398.
# Nothing here says where these addresses really are or who holds them.
# address -> (city, subdivision (iso, name), country (iso, name), continent (code, name),
#             latitude, longitude, accuracy radius km, time zone, AS number, AS organisation)
_LONDON = ("London", ("ENG", "England"), ("GB", "United Kingdom"), ("EU", "Europe"))
GEO = {
    OFFICE_IPS[0]: (*_LONDON, 51.5085, -0.1257, 20, "Europe/London", 64496, "Example Office Transit (synthetic)"),
    OFFICE_IPS[1]: (*_LONDON, 51.5085, -0.1257, 20, "Europe/London", 64496, "Example Office Transit (synthetic)"),
    ALICE_HOME_V6: (*_LONDON, 51.5362, -0.0880, 20, "Europe/London", 64497, "Example Home Broadband (synthetic)"),
    QA_IPS[0]: (*_LONDON, 51.5120, -0.0910, 50, "Europe/London", 64498, "Example Cloud Hosting (synthetic)"),
    CAROL_IPS[0]: ("Manchester", ("ENG", "England"), ("GB", "United Kingdom"), ("EU", "Europe"),
                   53.4808, -2.2426, 20, "Europe/London", 64497, "Example Home Broadband (synthetic)"),
    ERIN_IPS[0]: ("Edinburgh", ("SCT", "Scotland"), ("GB", "United Kingdom"), ("EU", "Europe"),
                  55.9533, -3.1883, 20, "Europe/London", 64497, "Example Home Broadband (synthetic)"),
    ERIN_IPS[1]: ("Edinburgh", ("SCT", "Scotland"), ("GB", "United Kingdom"), ("EU", "Europe"),
                  55.9533, -3.1883, 20, "Europe/London", 64497, "Example Home Broadband (synthetic)"),
    BOB_IPS[0]: ("Seattle", ("WA", "Washington"), ("US", "United States"), ("NA", "North America"),
                 47.6062, -122.3321, 20, "America/Los_Angeles", 64499, "Example Cable (synthetic)"),
    BOB_IPS[1]: ("Seattle", ("WA", "Washington"), ("US", "United States"), ("NA", "North America"),
                 47.6062, -122.3321, 20, "America/Los_Angeles", 64499, "Example Cable (synthetic)"),
    ATTACKER_SIGNIN_IP: ("Bucharest", ("B", "Bucuresti"), ("RO", "Romania"), ("EU", "Europe"),
                         44.4268, 26.1025, 20, "Europe/Bucharest", 64500, "Example VPN Provider (synthetic)"),
    ATTACKER_CLI_IP: ("Singapore", ("01", "Central Singapore"), ("SG", "Singapore"), ("AS", "Asia"),
                      1.2897, 103.8501, 20, "Asia/Singapore", 64501, "Example VPS Host (synthetic)"),
}
GEO_BUILD_EPOCH = 1717200000  # 2024-06-01T00:00:00Z: fixed, so the files are byte-identical
GEO_DESCRIPTION = ("SYNTHETIC demo database of the rootlens sample data: invented places and networks "
                   "for the sample's addresses only. Not geolocation data; do not use elsewhere.")

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36")
SAFARI = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
          "Gecko) Version/17.4.1 Safari/605.1.15")
FIREFOX_WIN = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 "
               "Firefox/126.0")
CLI_MAC = "aws-cli/2.15.42 Python/3.11.8 Darwin/23.4.0 exe/x86_64 prompt/off command/{cmd}"
CLI_LINUX = "aws-cli/2.15.38 Python/3.11.8 Linux/6.8.0-31-generic exe/x86_64.ubuntu.24 prompt/off command/{cmd}"
TERRAFORM = ("APN/1.0 HashiCorp/1.0 Terraform/1.8.2 (+https://www.terraform.io) "
             "terraform-provider-aws/5.49.0 (+https://registry.terraform.io/providers/hashicorp/aws) "
             "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 "
             "api/{svc}#1.0.0")
BOTO_LAMBDA = ("Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.214-223.855.amzn2.x86_64 "
               "md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 "
               "cfg/retry-mode#legacy Botocore/1.34.69")
SSM_AGENT = "aws-sdk-go/1.50.21 (go1.21.8; linux; amd64) amazon-ssm-agent/3.3.380.0"

XSS_UA = "<script>alert(1)</script>"
XSS_USERNAME = '"><img src=x onerror=alert(1)>'
CSV_INJECTION_UA = "=cmd|' /C calc'!A0"

SSO_ADMIN = "AWSReservedSSO_AdministratorAccess_0f3c2a9b7d1e4c56"
SSO_READONLY = "AWSReservedSSO_ReadOnlyAccess_7a61e2b0c94d3f18"

# IAM users per account: name -> (userId, [access keys], console?)
USERS = {
    PROD: {
        "alice": ("AIDAYVP4CIPPJ3ALICE1X", ["AKIAYVP4CIPPDKM4ZT6X"]),
        "bob": ("AIDAYVP4CIPPK7BOB2QQZ", ["AKIAYVP4CIPPB7QW2LRA", "AKIAYVP4CIPPN3XKE5TB"]),
    },
    DEV: {
        "alice": ("AIDAWQ6DEVAL1CE7HHUQ2", ["AKIAWQ6DEVM2P5JR4ALC"]),
        "bob": ("AIDAWQ6DEVB0BGTT3KQ7Z", ["AKIAWQ6DEVT8ZVB0BK3Y"]),
        "qa-tester": ("AIDAWQ6DEVQATESTR5MN8", ["AKIAWQ6DEVQA7TSTKEY4"]),
    },
}
ROLE_IDS = {
    (PROD, SSO_ADMIN): "AROAYVP4CIPPSSOADM7QK",
    (PROD, SSO_READONLY): "AROAYVP4CIPPSSORO3JHF",
    (DEV, SSO_ADMIN): "AROAWQ6DEVSSOADMZ4T2P",
    (DEV, SSO_READONLY): "AROAWQ6DEVSSORO8LNC5W",
    (PROD, "order-processor-role"): "AROAYVP4CIPPLAMBDA9RT",
    (PROD, "cost-tagger-role"): "AROAYVP4CIPPTAGGER2WS",
    (PROD, "app-server-role"): "AROAYVP4CIPPEC2APP5VB",
    (DEV, "order-processor-role"): "AROAWQ6DEVLAMBDA3KD8M",
    (DEV, "app-server-role"): "AROAWQ6DEVEC2APP6HZ1R",
    (PROD, "AWSServiceRoleForConfig"): "AROAYVP4CIPPCONFIG4NB",
    (DEV, "AWSServiceRoleForConfig"): "AROAWQ6DEVCONFIG7XW3Q",
}
SAML_PROVIDER = {
    PROD: f"arn:aws:iam::{PROD}:saml-provider/AWSSSO_5d1c3e7f9a2b4c60_DO_NOT_DELETE",
    DEV: f"arn:aws:iam::{DEV}:saml-provider/AWSSSO_5d1c3e7f9a2b4c60_DO_NOT_DELETE",
}
INSTANCES = {
    (PROD, "us-east-1"): ["i-0a1b2c3d4e5f60718", "i-0f9e8d7c6b5a40312"],
    (PROD, "eu-west-1"): ["i-07c4e2a1b3d5f6081"],
    (DEV, "us-east-1"): ["i-0d3f5a7c9e1b20465"],
    (DEV, "eu-west-1"): ["i-02b4d6f8a0c1e3579"],
}
BUCKETS = {
    PROD: ["acme-prod-assets", "acme-prod-backups", "acme-prod-reports", PROD_BUCKET],
    DEV: ["acme-dev-scratch", "acme-dev-artifacts"],
}
FUNCTIONS = {PROD: ["order-processor", "invoice-renderer"], DEV: ["order-processor", "load-tester"]}
SGS = {PROD: ["sg-0a12b34c56d78e901", "sg-0f1e2d3c4b5a69788"], DEV: ["sg-03c5e7a9b1d2f4608"]}


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

def fixed_id(label: str) -> str:
    """A stable, random-looking version-4 UUID for a planted event."""
    return str(uuid.UUID(bytes=hashlib.sha256(("rootlens-sample:" + label).encode()).digest()[:16],
                         version=4))


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ts_cr(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def iam_date(t: datetime) -> str:
    # IAM response dates as CloudTrail records them: "May 27, 2024, 9:14:05 PM"
    h = t.hour % 12 or 12
    return f"{t.strftime('%b')} {t.day}, {t.year}, {h}:{t.strftime('%M:%S')} {'AM' if t.hour < 12 else 'PM'}"



# ---- digest signing (TEST ONLY) ------------------------------------------------------------
# A 2048-bit RSA key made for this sample and nothing else: it signs the sample's digests the
# way CloudTrail signs real ones (SHA256withRSA, RSA PKCS#1 v1.5 over SHA-256), so that
# `rootlens verify` can check them; its public half ships in keys/ as `aws cloudtrail
# list-public-keys` output. Never a real AWS key. Plain Python: the generator needs no packages.
SAMPLE_TEST_KEY_N = int(
    "ef1d0d2e315a22e6d26acdd0aa38f82a483f75ad19dc6bd6f7d2052d06e416937c00683377758c528437a2fb"
    "3916ec3662435e4dcd2a4a2e86851f9588d07ac1a9380550f2f130fe63a12c86bb0a2a102cc651845aa34a5f"
    "60d9da6dd1107f1e55dd5b3b50b46964242a53c65f0fbb3fdec1c47a655813fee00bdbc7f361143d248a2eb6"
    "361baa51c1df482aafd5bb0a1bf9ef6bae3db76fb077bf1284ca513afc7a2d6a3db25c45df2d98337985e9ae"
    "dba2ebd6cb21457be6f3610c8cb27f1e40faf8ee6c891d6694df63dd89a1993a87bb6ed63123e33033e7d4a9"
    "e8862a53df19e37d791ac3933ab2e20826fbf855f12eb85b399aafacee33e6baf943e0f5", 16)
SAMPLE_TEST_KEY_D = int(
    "285e07339d3152631572e27c2fc09e64c4fdb1a81f8d8ec723df58f05911789e3d78f41e7c3464142a2e1a5d"
    "bf2d978336e398b019cae1eb28daa092661e8c1ad5ae97772b0c7cf0f570e84b769828b1c25d58b5b77789be"
    "c06306f5332e4dc799475d778e10671a78e08c7418e856fc5966ecfc9ccf59d0d5922af07eae0cf451f9b72a"
    "aa945511c913493dc91bf22f9cb3026e04284f06ce4174419c87fb50a3078e7aefa302f91fd1dbc44da720f7"
    "763b68a641254e216e74deaf4a42685d302925b4e1c4553909854f8c574ba87f84a3c52fea91082027578a40"
    "99fbae5379ac5944a6e71c5baa1aef500a828024bcfc4c591f85f4eaf9ec7b0efefbba01", 16)
SAMPLE_TEST_KEY_E = 65537
# DER DigestInfo prefix of a SHA-256 hash (RFC 8017, section 9.2).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def der_integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return b"\x02" + der_length(len(body)) + body


def der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def sample_public_key_der() -> bytes:
    """PKCS#1 RSAPublicKey: SEQUENCE { modulus INTEGER, publicExponent INTEGER }."""
    body = der_integer(SAMPLE_TEST_KEY_N) + der_integer(SAMPLE_TEST_KEY_E)
    return b"\x30" + der_length(len(body)) + body


def sample_fingerprint() -> str:
    return hashlib.md5(sample_public_key_der()).hexdigest()


def rsa_sign(text: str) -> str:
    """RSASSA-PKCS1-v1_5 with SHA-256, as hex (what CloudTrail puts in x-amz-meta-signature)."""
    size = (SAMPLE_TEST_KEY_N.bit_length() + 7) // 8
    t = SHA256_DIGEST_INFO + hashlib.sha256(text.encode()).digest()
    em = b"\x00\x01" + b"\xff" * (size - len(t) - 3) + b"\x00" + t
    return pow(int.from_bytes(em, "big"), SAMPLE_TEST_KEY_D, SAMPLE_TEST_KEY_N).to_bytes(size, "big").hex()


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def kebab(name: str) -> str:
    name = re.sub(r"\d{8}(v\d)?$", "", name)
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


SVC_CLI = {"monitoring": "cloudwatch", "signin": "signin"}


def cli_cmd(source: str, name: str) -> str:
    svc = source.split(".")[0]
    return f"{SVC_CLI.get(svc, svc)}.{kebab(name)}"


class Ids:
    """Deterministic id factory."""

    def __init__(self, seed: str):
        self.r = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def request_id(self, source: str) -> str:
        if source.startswith("s3."):
            return "".join(self.r.choice("0123456789ABCDEF") for _ in range(16))
        return self.uuid()

    def asia(self) -> str:
        return "ASIA" + "".join(self.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))

    def alnum(self, n: int) -> str:
        return "".join(self.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                       for _ in range(n))

    def hexs(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))


IDS = Ids("rootlens-sample-ids-v1")

# --------------------------------------------------------------------------------------
# Identities
# --------------------------------------------------------------------------------------


def ident_user(acct, name, key=None, session_created=None, mfa=None):
    uid = USERS[acct][name][0] if name in USERS.get(acct, {}) else BACKDOOR_USER_ID
    d = {"type": "IAMUser", "principalId": uid, "arn": f"arn:aws:iam::{acct}:user/{name}",
         "accountId": acct}
    if key is not None:
        d["accessKeyId"] = key
    d["userName"] = name
    if session_created is not None:
        d["sessionContext"] = {"attributes": {"creationDate": ts(session_created),
                                              "mfaAuthenticated": "true" if mfa else "false"}}
    return d


def ident_root(acct, key=None, session_created=None, mfa=None, invoked_by=None):
    d = {"type": "Root", "principalId": acct, "arn": f"arn:aws:iam::{acct}:root", "accountId": acct}
    if key is not None:
        d["accessKeyId"] = key
    if session_created is not None:
        d["sessionContext"] = {"attributes": {"creationDate": ts(session_created),
                                              "mfaAuthenticated": "true" if mfa else "false"}}
    if invoked_by:
        d["invokedBy"] = invoked_by
    return d


def ident_role(acct, role, session, key, created, mfa=False, sso=False, invoked_by=None):
    rid = ROLE_IDS[(acct, role)]
    if sso:
        role_arn = f"arn:aws:iam::{acct}:role/aws-reserved/sso.amazonaws.com/{role}"
    elif role.startswith("AWSServiceRole"):
        role_arn = f"arn:aws:iam::{acct}:role/aws-service-role/config.amazonaws.com/{role}"
    else:
        role_arn = f"arn:aws:iam::{acct}:role/{role}"
    d = {"type": "AssumedRole", "principalId": f"{rid}:{session}",
         "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{session}", "accountId": acct,
         "accessKeyId": key,
         "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": rid, "arn": role_arn,
                                              "accountId": acct, "userName": role},
                            "attributes": {"creationDate": ts(created),
                                           "mfaAuthenticated": "true" if mfa else "false"}}}
    if invoked_by:
        d["invokedBy"] = invoked_by
    return d


def ident_service(svc):
    return {"type": "AWSService", "invokedBy": svc}


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------

HOSTS = {"signin.amazonaws.com": "signin.aws.amazon.com"}
V109 = {"signin.amazonaws.com", "iam.amazonaws.com", "sts.amazonaws.com", "cloudtrail.amazonaws.com"}


def host_for(source, region):
    if source in HOSTS:
        return HOSTS[source]
    svc = source.split(".")[0]
    if svc in ("iam", "sts") or (svc == "s3" and region == "us-east-1"):
        return f"{svc}.amazonaws.com"
    return f"{svc}.{region}.amazonaws.com"


def make(t, acct, ident, source, name, region, ip, ua, req=None, resp=None, *, ro=False,
         etype="AwsApiCall", err=None, extra=None, event_id=None, resources=None,
         console=False, tls=True, time_str=None, service_details=None, shared=None):
    r = {"eventVersion": "1.09" if source in V109 else "1.08", "userIdentity": ident,
         "eventTime": time_str or ts(t), "eventSource": source, "eventName": name,
         "awsRegion": region, "sourceIPAddress": ip, "userAgent": ua}
    if err:
        if len(err) == 2:
            r["errorCode"] = err[0]
        r["errorMessage"] = err[-1]
    r["requestParameters"] = req
    r["responseElements"] = resp
    if extra is not None:
        r["additionalEventData"] = extra
    if etype == "AwsApiCall":
        r["requestID"] = IDS.request_id(source)
    r["eventID"] = event_id or IDS.uuid()
    r["readOnly"] = ro
    if resources:
        r["resources"] = resources
    r["eventType"] = etype
    r["managementEvent"] = True
    r["recipientAccountId"] = acct
    if service_details is not None:
        r["serviceEventDetails"] = service_details
    if shared:
        r["sharedEventID"] = shared
    r["eventCategory"] = "Management"
    if console:
        r["sessionCredentialFromConsole"] = "true"
    if tls and not ip.endswith("amazonaws.com") and ip != "AWS Internal":
        r["tlsDetails"] = {"tlsVersion": "TLSv1.3" if IDS.r.random() < 0.7 else "TLSv1.2",
                           "cipherSuite": "TLS_AES_128_GCM_SHA256",
                           "clientProvidedHostHeader": host_for(source, region)}
        if r["tlsDetails"]["tlsVersion"] == "TLSv1.2":
            r["tlsDetails"]["cipherSuite"] = "ECDHE-RSA-AES128-GCM-SHA256"
    return r


def console_login(t, acct, ident, ip, ua, ok=True, mfa="Yes", err_msg=None, event_id=None,
                  saml=None, login_to=None):
    extra = {"LoginTo": login_to or "https://console.aws.amazon.com/console/home?hashArgs=%23&"
                                    "isauthcode=true&state=hashArgsFromTB_us-east-1_"
                                    + IDS.hexs(16),
             "MobileVersion": "No", "MFAUsed": mfa}
    if saml:
        extra["SamlProviderArn"] = saml
    return make(t, acct, ident, "signin.amazonaws.com", "ConsoleLogin", "us-east-1", ip, ua,
                None, {"ConsoleLogin": "Success" if ok else "Failure"}, etype="AwsConsoleSignIn",
                err=None if ok else ("Failed authentication" if err_msg is None else err_msg,),
                extra=extra, event_id=event_id)


# --------------------------------------------------------------------------------------
# API catalogue for background activity
# --------------------------------------------------------------------------------------

GLOBAL = {"iam.amazonaws.com", "sts.amazonaws.com"}


def api_catalogue():
    """(weight, source, name, readOnly, request fn, response fn); fns take (acct, region, rng)."""
    C = []

    def add(w, src, name, ro, req=lambda a, g, r: None, resp=lambda a, g, r: None):
        C.append((w, src, name, ro, req, resp))

    inst = lambda a, g, r: r.choice(INSTANCES[(a, g)])
    add(10, "ec2.amazonaws.com", "DescribeInstances", True,
        lambda a, g, r: {"instancesSet": {}, "filterSet": {}})
    add(5, "ec2.amazonaws.com", "DescribeSecurityGroups", True,
        lambda a, g, r: {"securityGroupSet": {}, "securityGroupIdSet": {}, "filterSet": {}})
    add(4, "ec2.amazonaws.com", "DescribeVpcs", True,
        lambda a, g, r: {"vpcSet": {}, "filterSet": {}})
    add(3, "ec2.amazonaws.com", "DescribeSubnets", True,
        lambda a, g, r: {"subnetSet": {}, "filterSet": {}})
    add(3, "ec2.amazonaws.com", "DescribeVolumes", True,
        lambda a, g, r: {"volumeSet": {}, "filterSet": {}})
    add(1, "ec2.amazonaws.com", "CreateTags", False,
        lambda a, g, r: {"resourcesSet": {"items": [{"resourceId": inst(a, g, r)}]},
                         "tagSet": {"items": [{"key": "owner", "value": r.choice(["alice", "bob", "platform"])}]}},
        lambda a, g, r: {"requestId": IDS.uuid(), "_return": True})
    add(1, "ec2.amazonaws.com", "StopInstances", False,
        lambda a, g, r: {"instancesSet": {"items": [{"instanceId": inst(a, g, r)}]}, "force": False})
    add(1, "ec2.amazonaws.com", "StartInstances", False,
        lambda a, g, r: {"instancesSet": {"items": [{"instanceId": inst(a, g, r)}]}})
    add(6, "s3.amazonaws.com", "ListBuckets", True,
        lambda a, g, r: {"Host": "s3.amazonaws.com"})
    add(4, "s3.amazonaws.com", "GetBucketLocation", True,
        lambda a, g, r: {"bucketName": r.choice(BUCKETS[a]), "Host": "s3.amazonaws.com", "location": ""})
    add(2, "s3.amazonaws.com", "GetBucketPolicy", True,
        lambda a, g, r: {"bucketName": r.choice(BUCKETS[a]), "Host": "s3.amazonaws.com", "policy": ""})
    add(4, "iam.amazonaws.com", "ListUsers", True)
    add(4, "iam.amazonaws.com", "ListRoles", True)
    add(3, "iam.amazonaws.com", "GetAccountSummary", True)
    add(2, "iam.amazonaws.com", "ListAttachedRolePolicies", True,
        lambda a, g, r: {"roleName": r.choice(["order-processor-role", "app-server-role"])})
    add(1, "iam.amazonaws.com", "TagRole", False,
        lambda a, g, r: {"roleName": "app-server-role", "tags": [{"key": "cost-centre", "value": "cc-" + str(r.randint(100, 999))}]})
    add(6, "sts.amazonaws.com", "GetCallerIdentity", True)
    add(5, "lambda.amazonaws.com", "ListFunctions20150331", True)
    add(3, "lambda.amazonaws.com", "GetFunction20150331v2", True,
        lambda a, g, r: {"functionName": r.choice(FUNCTIONS[a])})
    add(2, "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", False,
        lambda a, g, r: {"functionName": r.choice(FUNCTIONS[a]), "timeout": r.choice([30, 60, 120])},
        lambda a, g, r: {"functionName": "x", "lastUpdateStatus": "InProgress"})
    add(4, "cloudtrail.amazonaws.com", "DescribeTrails", True,
        lambda a, g, r: {"trailNameList": [], "includeShadowTrails": True})
    add(2, "cloudtrail.amazonaws.com", "GetTrailStatus", True,
        lambda a, g, r: {"name": TRAIL_ARN if a == PROD else f"arn:aws:cloudtrail:us-east-1:999988887777:trail/org-trail"})
    add(3, "cloudtrail.amazonaws.com", "LookupEvents", True,
        lambda a, g, r: {"maxResults": 50})
    add(4, "logs.amazonaws.com", "DescribeLogGroups", True,
        lambda a, g, r: {"limit": 50})
    add(3, "monitoring.amazonaws.com", "DescribeAlarms", True,
        lambda a, g, r: {"maxRecords": 100})
    add(2, "rds.amazonaws.com", "DescribeDBInstances", True,
        lambda a, g, r: {"maxRecords": 100})
    add(3, "dynamodb.amazonaws.com", "ListTables", True)
    add(2, "dynamodb.amazonaws.com", "DescribeTable", True,
        lambda a, g, r: {"tableName": r.choice(["orders", "customers", "sessions"])})
    add(2, "ssm.amazonaws.com", "GetParameter", True,
        lambda a, g, r: {"name": r.choice(["/app/config/db-host", "/app/config/feature-flags"]), "withDecryption": False})
    add(1, "ssm.amazonaws.com", "PutParameter", False,
        lambda a, g, r: {"name": "/app/config/feature-flags", "type": "String", "overwrite": True},
        lambda a, g, r: {"version": r.randint(3, 40), "tier": "Standard"})
    add(2, "kms.amazonaws.com", "ListAliases", True)
    return C


CATALOGUE = api_catalogue()
CAT_W = [c[0] for c in CATALOGUE]


def pick_region(src, acct, rng):
    if src in GLOBAL or src.startswith("s3."):
        return "us-east-1"
    return rng.choices(REGIONS, [0.68, 0.32] if acct == PROD else [0.6, 0.4])[0]


def api_call(rng, t, acct, ident, ip, ua_tpl, console, ro_only=False):
    while True:
        w, src, name, ro, reqf, respf = rng.choices(CATALOGUE, CAT_W)[0]
        if ro or not ro_only:
            break
    region = pick_region(src, acct, rng)
    req = reqf(acct, region, rng)
    resp = respf(acct, region, rng)
    if resp and "functionName" in resp and req:
        resp["functionName"] = req["functionName"]
    if console:
        ua = ua_tpl
    elif "{svc}" in ua_tpl:
        ua = ua_tpl.format(svc=src.split(".")[0])
    else:
        ua = ua_tpl.format(cmd=cli_cmd(src, name))
    return make(t, acct, ident, src, name, region, ip, ua, req, resp, ro=ro, console=console)


# --------------------------------------------------------------------------------------
# Background activity
# --------------------------------------------------------------------------------------


def days():
    d = START
    while d < END:
        yield d
        d += timedelta(days=1)


def human_sessions(rng, out, acct):
    """IAM users alice/bob, SSO users carol/erin; console and CLI."""
    for day in days():
        wd = day.weekday() < 5
        # ---- alice (Europe, office hours) -------------------------------------------
        p = (0.85 if acct == PROD else 0.35) if wd else 0.05
        if rng.random() < p or (acct == PROD and day.date() == ALICE_RESTART_LOGIN.date()):
            if acct == PROD and day.date() == ALICE_RESTART_LOGIN.date():
                login = ALICE_RESTART_LOGIN  # sign-in happened while the trail was stopped
                ip = OFFICE_IPS[0]
            else:
                login = day + timedelta(hours=7, minutes=rng.randint(20, 140), seconds=rng.randint(0, 59))
                ip = ALICE_HOME_V6 if rng.random() < 0.2 else rng.choice(OFFICE_IPS)
            ua = rng.choice([CHROME, FIREFOX_WIN])
            key = IDS.asia()
            if login != ALICE_RESTART_LOGIN:
                out.append(console_login(login, acct, ident_user(acct, "alice"), ip, ua, mfa="Yes"))
            else:
                ua, key = CHROME, ALICE_RESTART_KEY  # same console session as the StartLogging call
            t = login
            for _ in range(rng.randint(4, 14)):
                t += timedelta(seconds=rng.randint(20, 1500))
                out.append(api_call(rng, t, acct, ident_user(acct, "alice", key, login, True), ip,
                                    ua, console=True))
            t = login + timedelta(hours=rng.randint(1, 5))
            for _ in range(rng.randint(2, 9)):
                t += timedelta(seconds=rng.randint(5, 900))
                out.append(api_call(rng, t, acct, ident_user(acct, "alice", USERS[acct]["alice"][1][0]),
                                    ip, CLI_MAC, console=False))
        # ---- bob (US, afternoons UTC) -------------------------------------------------
        p = (0.8 if acct == PROD else 0.5) if wd else 0.1
        if rng.random() < p:
            start = day + timedelta(hours=14, minutes=rng.randint(0, 300), seconds=rng.randint(0, 59))
            ip = rng.choice(BOB_IPS)
            t = start
            if rng.random() < 0.45:
                out.append(console_login(start, acct, ident_user(acct, "bob"), ip, SAFARI, mfa="Yes"))
                key = IDS.asia()
                for _ in range(rng.randint(2, 8)):
                    t += timedelta(seconds=rng.randint(20, 1200))
                    out.append(api_call(rng, t, acct, ident_user(acct, "bob", key, start, True), ip,
                                        SAFARI, console=True))
            keys = USERS[acct]["bob"][1]
            for _ in range(rng.randint(3, 14)):
                t += timedelta(seconds=rng.randint(3, 700))
                k = keys[0] if len(keys) == 1 or rng.random() < 0.7 else keys[1]
                tpl = TERRAFORM if rng.random() < 0.3 else CLI_LINUX
                out.append(api_call(rng, t, acct, ident_user(acct, "bob", k), ip, tpl, console=False))
        # ---- SSO users (federated console sign-in; MFA handled by Identity Center) ------
        if acct == PROD:
            who, role, ips, p = "carol@example.com", SSO_ADMIN, CAROL_IPS, 0.35
        else:
            who, role, ips, p = "erin@example.com", SSO_READONLY, ERIN_IPS, 0.45
        if wd and rng.random() < p:
            login = day + timedelta(hours=rng.randint(8, 16), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
            ip = rng.choice(ips)
            sess_ident = ident_role(acct, role, who, IDS.asia(), login, mfa=False, sso=True)
            li = dict(sess_ident)
            li.pop("accessKeyId")
            out.append(console_login(login, acct, li, ip, CHROME, mfa="No", saml=SAML_PROVIDER[acct],
                                     login_to="https://console.aws.amazon.com/console/home"))
            t = login
            for _ in range(rng.randint(3, 10)):
                t += timedelta(seconds=rng.randint(20, 900))
                out.append(api_call(rng, t, acct, sess_ident, ip, CHROME, console=True,
                                    ro_only=(role == SSO_READONLY)))
        # ---- dev qa-tester (CLI only) ----------------------------------------------------
        if acct == DEV and wd and rng.random() < 0.3:
            t = day + timedelta(hours=rng.randint(9, 15), minutes=rng.randint(0, 59))
            for _ in range(rng.randint(2, 6)):
                t += timedelta(seconds=rng.randint(10, 400))
                out.append(api_call(rng, t, acct, ident_user(acct, "qa-tester", USERS[DEV]["qa-tester"][1][0]),
                                    QA_IPS[0], CLI_LINUX, console=False, ro_only=True))


def service_noise(rng, out, acct, t0, t1):
    """Roles of workloads, AWS services, AwsServiceEvents; ~hourly."""
    h = t0
    aws_ips = {"us-east-1": ["3.85.{}.{}", "54.210.{}.{}"], "eu-west-1": ["34.245.{}.{}", "52.16.{}.{}"]}
    while h < t1:
        for region in REGIONS:
            rate = {(PROD, "us-east-1"): 2.2, (PROD, "eu-west-1"): 1.0,
                    (DEV, "us-east-1"): 1.1, (DEV, "eu-west-1"): 0.6}[(acct, region)]
            n = sum(1 for _ in range(6) if rng.random() < rate / 6)
            for _ in range(n):
                t = h + timedelta(seconds=rng.randint(0, 3599))
                kind = rng.random()
                if kind < 0.30:
                    # Lambda execution role
                    fn = FUNCTIONS[acct][0]
                    sess = fn if region == "us-east-1" else fn + "-eu"
                    ident = ident_role(acct, "order-processor-role", sess, IDS.asia(),
                                       t - timedelta(minutes=rng.randint(1, 50)))
                    ip = rng.choice(aws_ips[region]).format(rng.randint(1, 254), rng.randint(1, 254))
                    src, name, req, ro = rng.choice([
                        ("ssm.amazonaws.com", "GetParameter", {"name": "/app/config/db-host", "withDecryption": True}, True),
                        ("kms.amazonaws.com", "Decrypt", {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}, True),
                        ("logs.amazonaws.com", "CreateLogStream", {"logGroupName": f"/aws/lambda/{fn}", "logStreamName": f"{t:%Y/%m/%d}/[$LATEST]{IDS.hexs(32)}"}, False),
                    ])
                    out.append(make(t, acct, ident, src, name, region, ip, BOTO_LAMBDA, req, None, ro=ro))
                elif kind < 0.50:
                    # EC2 instance role (SSM agent)
                    iid = rng.choice(INSTANCES[(acct, region)])
                    ident = ident_role(acct, "app-server-role", iid, IDS.asia(),
                                       t - timedelta(minutes=rng.randint(1, 300)),
                                       invoked_by=None)
                    ip = rng.choice(aws_ips[region]).format(rng.randint(1, 254), rng.randint(1, 254))
                    out.append(make(t, acct, ident, "ssm.amazonaws.com", "UpdateInstanceInformation", region, ip,
                                    SSM_AGENT, {"instanceId": iid, "agentVersion": "3.3.380.0", "agentStatus": "Active",
                                                "platformType": "Linux", "platformName": "Amazon Linux",
                                                "platformVersion": "2023", "iPAddress": f"10.0.{rng.randint(1, 9)}.{rng.randint(10, 250)}",
                                                "computerName": f"ip-10-0-1-{rng.randint(10, 250)}.ec2.internal",
                                                "agentName": "amazon-ssm-agent", "availabilityZone": region + "a"}, None))
                elif kind < 0.72:
                    # AWS service assuming a role on the customer's behalf
                    svc = rng.choice(["lambda.amazonaws.com", "ec2.amazonaws.com"])
                    role = "order-processor-role" if svc.startswith("lambda") else "app-server-role"
                    sess = FUNCTIONS[acct][0] if svc.startswith("lambda") else rng.choice(INSTANCES[(acct, region)])
                    key = IDS.asia()
                    out.append(make(t, acct, ident_service(svc), "sts.amazonaws.com", "AssumeRole", region, svc, svc,
                                    {"roleArn": f"arn:aws:iam::{acct}:role/{role}", "roleSessionName": sess},
                                    {"credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjE" + IDS.alnum(40),
                                                     "expiration": iam_date(t + timedelta(hours=12))},
                                     "assumedRoleUser": {"assumedRoleId": f"{ROLE_IDS[(acct, role)]}:{sess}",
                                                         "arn": f"arn:aws:sts::{acct}:assumed-role/{role}/{sess}"}},
                                    ro=True, resources=[{"accountId": acct, "type": "AWS::IAM::Role",
                                                         "ARN": f"arn:aws:iam::{acct}:role/{role}"}],
                                    shared=IDS.uuid(), tls=False))
                elif kind < 0.86 and region == "us-east-1":
                    # CloudTrail checking its bucket (S3 bucket-level management event)
                    bucket = PROD_BUCKET if acct == PROD else ORG_BUCKET
                    out.append(make(t, acct, ident_service("cloudtrail.amazonaws.com"), "s3.amazonaws.com",
                                    "GetBucketAcl", region, "cloudtrail.amazonaws.com", "cloudtrail.amazonaws.com",
                                    {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com", "acl": ""}, None,
                                    ro=True, resources=[{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}],
                                    tls=False))
                else:
                    # AWS Config service-linked role describing resources
                    sess = "AWSConfig-Describe"
                    ident = ident_role(acct, "AWSServiceRoleForConfig", sess, IDS.asia(),
                                       t - timedelta(minutes=rng.randint(1, 30)), invoked_by="config.amazonaws.com")
                    src, name = rng.choice([("ec2.amazonaws.com", "DescribeInstances"),
                                            ("ec2.amazonaws.com", "DescribeSecurityGroups"),
                                            ("iam.amazonaws.com", "GetRole"),
                                            ("lambda.amazonaws.com", "ListFunctions20150331")])
                    rg = "us-east-1" if src in GLOBAL else region
                    req = {"roleName": "app-server-role"} if name == "GetRole" else None
                    out.append(make(t, acct, ident, src, name, rg, "config.amazonaws.com", "config.amazonaws.com",
                                    req, None, ro=True, tls=False))
        h += timedelta(hours=1)


def key_rotation_events(out):
    for acct, t in ((PROD, datetime(2024, 5, 19, 3, 12, 44, tzinfo=UTC)),
                    (DEV, datetime(2024, 5, 24, 1, 7, 9, tzinfo=UTC))):
        kid = str(uuid.UUID(bytes=hashlib.md5(acct.encode()).digest(), version=4))
        out.append(make(t, acct, {"accountId": acct, "invokedBy": "AWS Internal"}, "kms.amazonaws.com",
                        "RotateKey", "us-east-1", "AWS Internal", "AWS Internal", None, None,
                        etype="AwsServiceEvent",
                        resources=[{"accountId": acct, "type": "AWS::KMS::Key",
                                    "ARN": f"arn:aws:kms:us-east-1:{acct}:key/{kid}"}],
                        service_details={"rotationType": "AUTOMATIC", "keyId": kid}, tls=False))


def insight_burst(rng, out):
    """A burst of ec2:CreateTags by a tagging Lambda: background for the Insight pair."""
    t0 = datetime(2024, 5, 21, 14, 0, 0, tzinfo=UTC)
    created = t0 - timedelta(seconds=12)
    key = IDS.asia()
    ident = ident_role(PROD, "cost-tagger-role", "cost-tagger", key, created)
    t = t0
    for _ in range(96):
        t += timedelta(seconds=rng.randint(5, 25))
        iid = rng.choice(INSTANCES[(PROD, "us-east-1")]) if rng.random() < 0.3 else "i-0" + IDS.hexs(16)
        out.append(make(t, PROD, ident, "ec2.amazonaws.com", "CreateTags", "us-east-1",
                        "54.210.{}.{}".format(rng.randint(1, 254), rng.randint(1, 254)), BOTO_LAMBDA,
                        {"resourcesSet": {"items": [{"resourceId": iid}]},
                         "tagSet": {"items": [{"key": "cost-centre", "value": "cc-412"}]}},
                        {"requestId": IDS.uuid(), "_return": True}))
    return t0, t


# --------------------------------------------------------------------------------------
# Planted events (fixed ids)
# --------------------------------------------------------------------------------------

GROUND_TRUTH = []  # (label, record, where)


def plant(label, rec, where="archive"):
    GROUND_TRUTH.append((label, rec, where))
    return rec


def dt(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def incident_events():
    ev = []
    # a. burst of failed root console sign-ins
    for i, s in enumerate(["21:02:11", "21:03:47", "21:05:02", "21:06:30", "21:08:15", "21:09:41"], 1):
        r = console_login(dt(f"2024-05-27T{s}"), PROD, ident_root(PROD, key=""), ATTACKER_SIGNIN_IP,
                          ATTACKER_BROWSER, ok=False, mfa="No", event_id=fixed_id(f"incident-root-fail-{i}"))
        ev.append(plant(f"a{i}. root ConsoleLogin Failure", r))
    # b. successful root sign-in without MFA
    t_login = dt("2024-05-27T21:11:38")
    ev.append(plant("b. root ConsoleLogin Success, MFAUsed No",
                    console_login(t_login, PROD, ident_root(PROD, key=""), ATTACKER_SIGNIN_IP, ATTACKER_BROWSER,
                                  ok=True, mfa="No", event_id=fixed_id("incident-root-login"))))
    # c. root creates an access key for itself (console session)
    t = dt("2024-05-27T21:14:05")
    console_key = "ASIAEXAMPLEROOTSESS1"
    ev.append(plant("c1. root CreateAccessKey (for root)",
                    make(t, PROD, ident_root(PROD, console_key, t_login, False), "iam.amazonaws.com",
                         "CreateAccessKey", "us-east-1", ATTACKER_SIGNIN_IP, ATTACKER_BROWSER, None,
                         {"accessKey": {"accessKeyId": ROOT_KEY, "status": "Active",
                                        "createDate": iam_date(t)}},
                         console=True, event_id=fixed_id("incident-root-createaccesskey"))))
    root_cli = ident_root(PROD, ROOT_KEY)

    def cli(label, s, src, name, region, req, resp=None, ro=False, res=None):
        tt = dt(s)
        r = make(tt, PROD, dict(root_cli), src, name, region, ATTACKER_CLI_IP,
                 KALI_UA.format(cmd=cli_cmd(src, name)), req, resp, ro=ro, resources=res,
                 event_id=fixed_id("incident-" + label.split(".")[0]))
        return plant(label, r)

    ev.append(cli("c2. sts GetCallerIdentity with root key", "2024-05-27T21:26:40", "sts.amazonaws.com",
                  "GetCallerIdentity", "us-east-1", None, None, ro=True))
    ev.append(cli("c3. iam ListUsers with root key", "2024-05-27T21:27:15", "iam.amazonaws.com", "ListUsers",
                  "us-east-1", None, None, ro=True))
    ev.append(cli("c4. s3 ListBuckets with root key", "2024-05-27T21:28:02", "s3.amazonaws.com", "ListBuckets",
                  "us-east-1", {"Host": "s3.amazonaws.com"}, None, ro=True))
    ev.append(cli("c5. ec2 DescribeInstances (eu-west-1) with root key", "2024-05-27T21:29:30",
                  "ec2.amazonaws.com", "DescribeInstances", "eu-west-1",
                  {"instancesSet": {}, "filterSet": {}}, None, ro=True))
    # d. backdoor
    ev.append(cli("d1. iam CreateUser svc-backup", "2024-05-27T21:41:12", "iam.amazonaws.com", "CreateUser",
                  "us-east-1", {"userName": BACKDOOR_USER},
                  {"user": {"path": "/", "userName": BACKDOOR_USER, "userId": BACKDOOR_USER_ID,
                            "arn": f"arn:aws:iam::{PROD}:user/{BACKDOOR_USER}",
                            "createDate": iam_date(dt("2024-05-27T21:41:12"))}}))
    ev.append(cli("d2. iam AttachUserPolicy AdministratorAccess -> svc-backup", "2024-05-27T21:41:55",
                  "iam.amazonaws.com", "AttachUserPolicy", "us-east-1",
                  {"userName": BACKDOOR_USER, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, None))
    ev.append(cli("d3. iam CreateAccessKey for svc-backup", "2024-05-27T21:42:30", "iam.amazonaws.com",
                  "CreateAccessKey", "us-east-1", {"userName": BACKDOOR_USER},
                  {"accessKey": {"userName": BACKDOOR_USER, "accessKeyId": BACKDOOR_KEY, "status": "Active",
                                 "createDate": iam_date(dt("2024-05-27T21:42:30"))}}))
    ev.append(cli("d4. iam CreateLoginProfile for svc-backup", "2024-05-27T21:43:10", "iam.amazonaws.com",
                  "CreateLoginProfile", "us-east-1", {"userName": BACKDOOR_USER, "passwordResetRequired": False},
                  {"loginProfile": {"userName": BACKDOOR_USER, "createDate": iam_date(dt("2024-05-27T21:43:10")),
                                    "passwordResetRequired": False}}))
    # e. defense evasion
    ev.append(cli("e1. guardduty DeleteDetector (eu-west-1)", "2024-05-27T22:48:19", "guardduty.amazonaws.com",
                  "DeleteDetector", "eu-west-1", {"detectorId": "12abc34d567e8fa901bc2d34e56789f0"}, None))
    ev.append(cli("e2. cloudtrail StopLogging", ts(STOP_TIME)[:-1], "cloudtrail.amazonaws.com", "StopLogging",
                  "us-east-1", {"name": TRAIL_ARN}, None,
                  res=[{"accountId": PROD, "type": "AWS::CloudTrail::Trail", "ARN": TRAIL_ARN}]))
    # f. alice restarts logging (console session, MFA)
    alice_key = ALICE_RESTART_KEY
    ev.append(plant("f. cloudtrail StartLogging by alice (console, MFA)",
                    make(RESTART_TIME, PROD, ident_user(PROD, "alice", alice_key, ALICE_RESTART_LOGIN, True),
                         "cloudtrail.amazonaws.com", "StartLogging", "us-east-1", OFFICE_IPS[0], CHROME,
                         {"name": TRAIL_ARN}, None, console=True,
                         resources=[{"accountId": PROD, "type": "AWS::CloudTrail::Trail", "ARN": TRAIL_ARN}],
                         event_id=fixed_id("incident-startlogging"))))
    return ev


def lookalike_events():
    """Benign events that resemble detections (documented in README)."""
    ev = []
    # benign root console sign-in WITH MFA from the office, plus two console reads
    t = dt("2024-05-14T09:31:07")
    ev.append(plant("L1. benign root ConsoleLogin with MFA (office)",
                    console_login(t, PROD, ident_root(PROD, key=""), OFFICE_IPS[0], CHROME, mfa="Yes",
                                  event_id=fixed_id("lookalike-root-login-mfa"))))
    sk = "ASIAYVP4CIPPROOTMFA1"
    ev.append(make(t + timedelta(seconds=95), PROD, ident_root(PROD, sk, t, True), "iam.amazonaws.com",
                   "GetAccountSummary", "us-east-1", OFFICE_IPS[0], CHROME, None, None, ro=True, console=True,
                   event_id=fixed_id("lookalike-root-getaccountsummary")))
    ev.append(make(t + timedelta(seconds=212), PROD, ident_root(PROD, sk, t, True), "account.amazonaws.com",
                   "GetContactInformation", "us-east-1", OFFICE_IPS[0], CHROME, None, None, ro=True,
                   console=True, event_id=fixed_id("lookalike-root-getcontactinformation")))
    # root calls invoked by a service (Trusted Advisor via AWS Support) -- invokedBy present
    for i, (s, name) in enumerate([("2024-05-09T04:12:31", "GetAccountPasswordPolicy"),
                                   ("2024-05-16T04:10:02", "GetAccountPasswordPolicy"),
                                   ("2024-05-23T04:11:47", "ListMFADevices"),
                                   ("2024-05-31T04:13:20", "GetAccountPasswordPolicy")], 1):
        ev.append(plant(f"L2.{i} root {name} invokedBy support.amazonaws.com",
                        make(dt(s), PROD, ident_root(PROD, invoked_by="support.amazonaws.com"), "iam.amazonaws.com",
                             name, "us-east-1", "support.amazonaws.com", "support.amazonaws.com", None, None,
                             ro=True, tls=False, event_id=fixed_id(f"lookalike-root-invokedby-{i}"))))
    # a root AwsServiceEvent
    ev.append(plant("L3. root AwsServiceEvent",
                    make(dt("2024-05-20T06:44:18"), PROD, ident_root(PROD), "ec2.amazonaws.com",
                         "SharedSnapshotVolumeCreated", "us-east-1", "ec2.amazonaws.com", "ec2.amazonaws.com",
                         None, None, etype="AwsServiceEvent", tls=False,
                         service_details={"snapshotId": "snap-0b1c2d3e4f5a60718", "volumeId": "vol-0c9d8e7f6a5b40321"},
                         event_id=fixed_id("lookalike-root-serviceevent"))))
    # mistyped user name at the console
    ev.append(plant("L4. ConsoleLogin failure, mistyped user name",
                    console_login(dt("2024-05-16T08:03:12"), PROD,
                                  {"type": "IAMUser", "accountId": PROD, "accessKeyId": "",
                                   "userName": "HIDDEN_DUE_TO_SECURITY_REASONS"},
                                  OFFICE_IPS[1], CHROME, ok=False, mfa="No",
                                  err_msg="No username found in supplied account",
                                  event_id=fixed_id("lookalike-mistyped-username"))))
    ev.append(plant("L5. alice ConsoleLogin after the typo (MFA)",
                    console_login(dt("2024-05-16T08:03:40"), PROD, ident_user(PROD, "alice"), OFFICE_IPS[1],
                                  CHROME, mfa="Yes", event_id=fixed_id("lookalike-alice-after-typo"))))
    # fractional-second timestamp
    ev.append(plant("Q1. fractional seconds eventTime",
                    make(dt("2024-05-08T10:00:00"), PROD, ident_user(PROD, "alice", USERS[PROD]["alice"][1][0]),
                         "s3.amazonaws.com", "ListBuckets", "us-east-1", OFFICE_IPS[0],
                         CLI_MAC.format(cmd="s3api.list-buckets"), {"Host": "s3.amazonaws.com"}, None, ro=True,
                         time_str="2024-05-08T10:00:00.123Z", event_id=fixed_id("quirk-fractional"))))
    # requestParameters hidden as a string
    ev.append(plant("Q2. requestParameters = \"HIDDEN_DUE_TO_SECURITY_REASONS\"",
                    make(dt("2024-05-23T15:31:09"), DEV, ident_user(DEV, "bob", USERS[DEV]["bob"][1][0]),
                         "ssm.amazonaws.com", "SendCommand", "us-east-1", BOB_IPS[0],
                         CLI_LINUX.format(cmd="ssm.send-command"), "HIDDEN_DUE_TO_SECURITY_REASONS",
                         {"command": {"commandId": IDS.uuid(), "documentName": "AWS-RunShellScript",
                                      "status": "Pending"}},
                         event_id=fixed_id("quirk-hidden-request"))))
    # report-rendering hazards in the dev account
    ev.append(plant("X1. userAgent <script>alert(1)</script>, AccessDenied",
                    make(dt("2024-05-20T15:22:07"), DEV, ident_user(DEV, "qa-tester", USERS[DEV]["qa-tester"][1][0]),
                         "iam.amazonaws.com", "ListUsers", "us-east-1", QA_IPS[0], XSS_UA, None, None, ro=True,
                         err=("AccessDenied", f"User: arn:aws:iam::{DEV}:user/qa-tester is not authorized to "
                                              f"perform: iam:ListUsers on resource: arn:aws:iam::{DEV}:user/ "
                                              "because no identity-based policy allows the iam:ListUsers action"),
                         event_id=fixed_id("hazard-xss-useragent"))))
    ev.append(plant("X2. CreateUser with HTML in userName",
                    make(dt("2024-05-21T16:05:33"), DEV, ident_user(DEV, "bob", USERS[DEV]["bob"][1][0]),
                         "iam.amazonaws.com", "CreateUser", "us-east-1", BOB_IPS[0],
                         CLI_LINUX.format(cmd="iam.create-user"), {"userName": XSS_USERNAME}, None,
                         err=("ValidationError", "The specified value for userName is invalid. It must contain "
                                                 "only alphanumeric characters and/or the following: +=,.@_-"),
                         event_id=fixed_id("hazard-xss-username"))))
    ev.append(plant("X3. userAgent starting with =cmd|",
                    make(dt("2024-05-22T09:47:51"), DEV, ident_user(DEV, "qa-tester", USERS[DEV]["qa-tester"][1][0]),
                         "s3.amazonaws.com", "ListBuckets", "us-east-1", QA_IPS[0], CSV_INJECTION_UA,
                         {"Host": "s3.amazonaws.com"}, None, ro=True, event_id=fixed_id("hazard-csv-useragent"))))
    return ev


def misc_changes(rng):
    """A few benign config changes for the CIS 4.x monitors (not in quiet-week red-flag list)."""
    ev = []
    bob_p = ident_user(PROD, "bob", USERS[PROD]["bob"][1][0])
    bob_d = ident_user(DEV, "bob", USERS[DEV]["bob"][1][0])
    ua = TERRAFORM
    ev.append(make(dt("2024-05-10T15:40:12"), PROD, bob_p, "s3.amazonaws.com", "PutBucketPolicy", "us-east-1",
                   BOB_IPS[0], ua.format(svc="s3"),
                   {"bucketName": "acme-prod-reports", "Host": "acme-prod-reports.s3.amazonaws.com",
                    "bucketPolicy": {"Version": "2012-10-17", "Statement": [
                        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                         "Resource": ["arn:aws:s3:::acme-prod-reports", "arn:aws:s3:::acme-prod-reports/*"],
                         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}, "policy": ""}, None))
    ev.append(make(dt("2024-05-15T16:02:55"), PROD, bob_p, "iam.amazonaws.com", "PutRolePolicy", "us-east-1",
                   BOB_IPS[0], ua.format(svc="iam"),
                   {"roleName": "order-processor-role", "policyName": "orders-table-access",
                    "policyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                                      "[\"dynamodb:GetItem\",\"dynamodb:PutItem\"],\"Resource\":\"arn:aws:dynamodb:"
                                      "us-east-1:111122223333:table/orders\"}]}"}, None))
    ev.append(make(dt("2024-05-13T17:20:41"), DEV, bob_d, "ec2.amazonaws.com", "AuthorizeSecurityGroupIngress",
                   "us-east-1", BOB_IPS[1], ua.format(svc="ec2"),
                   {"groupId": SGS[DEV][0], "ipPermissions": {"items": [
                       {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                        "ipRanges": {"items": [{"cidrIp": "73.162.85.211/32", "description": "bob home"}]}}]}},
                   {"requestId": IDS.uuid(), "_return": True, "securityGroupRuleSet": {"items": [
                       {"groupOwnerId": DEV, "groupId": SGS[DEV][0], "securityGroupRuleId": "sgr-0a9b8c7d6e5f40312",
                        "isEgress": False, "ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                        "cidrIpv4": "73.162.85.211/32", "description": "bob home"}]}}))
    ev.append(make(dt("2024-05-28T18:05:10"), DEV, bob_d, "ec2.amazonaws.com", "CreateRoute", "eu-west-1",
                   BOB_IPS[0], ua.format(svc="ec2"),
                   {"routeTableId": "rtb-0e1d2c3b4a5960718", "destinationCidrBlock": "10.20.0.0/16",
                    "transitGatewayId": "tgw-0123456789abcdef0"}, {"requestId": IDS.uuid(), "_return": True}))
    return ev


# --------------------------------------------------------------------------------------
# Output writers
# --------------------------------------------------------------------------------------


class Tree:
    def __init__(self, root):
        self.root = root
        self.files = {}  # relpath -> bytes

    def put(self, rel, data: bytes):
        assert rel not in self.files, rel
        self.files[rel] = data

    def write(self):
        for top in ("AWSLogs", "exports", "credential-reports", "unrelated", "keys", "GeoIP", "posture"):
            p = os.path.join(self.root, top)
            if os.path.isdir(p):
                shutil.rmtree(p)
        for rel in sorted(self.files):
            p = os.path.join(self.root, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(self.files[rel])


def geo_databases():
    """The City and ASN databases of GeoIP/, in the MaxMind DB format, one /32 or /128 per address."""
    city, asn = [], []
    for ip in sorted(GEO, key=lambda a: (":" in a, a)):
        (name, (sub_iso, sub_name), (cc, country), (continent_code, continent),
         lat, lon, radius, tz, as_number, as_org) = GEO[ip]
        host = f"{ip}/{128 if ':' in ip else 32}"
        city.append((host, {
            "city": {"names": {"en": name}},
            "continent": {"code": continent_code, "names": {"en": continent}},
            "country": {"iso_code": cc, "names": {"en": country}},
            "location": {"accuracy_radius": mmdb_writer.Uint16(radius), "latitude": lat, "longitude": lon,
                         "time_zone": tz},
            "subdivisions": [{"iso_code": sub_iso, "names": {"en": sub_name}}],
        }))
        asn.append((host, {"autonomous_system_number": mmdb_writer.Uint32(as_number),
                           "autonomous_system_organization": as_org}))

    def meta(kind):
        return {"build_epoch": mmdb_writer.Uint64(GEO_BUILD_EPOCH), "database_type": kind,
                "description": {"en": GEO_DESCRIPTION}, "languages": ["en"]}

    return {
        "rootlens-sample-City.mmdb": mmdb_writer.build(city, meta("rootlens-Sample-Synthetic-City")),
        "rootlens-sample-ASN.mmdb": mmdb_writer.build(asn, meta("rootlens-Sample-Synthetic-ASN")),
    }


def evt_time(r) -> datetime:
    s = r["eventTime"]
    s = s.replace(" ", "T")
    if s.endswith("Z"):
        s = s[:-1]
    s = s.split(".")[0]
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def chunk_start(acct, region, t):
    d = t.replace(hour=0, minute=0, second=0, microsecond=0)
    if acct == PROD and t.date() in (datetime(2024, 5, 27).date(), datetime(2024, 5, 30).date(),
                                     datetime(2024, 5, 21).date()) and region == "us-east-1":
        return t.replace(minute=0, second=0, microsecond=0)
    if acct == PROD and region == "us-east-1":
        return d + timedelta(hours=(t.hour // 4) * 4)
    if acct == PROD:
        return d + timedelta(hours=(t.hour // 12) * 12)
    return d


def log_prefix(acct):
    return f"AWSLogs/{acct}" if acct == PROD else f"AWSLogs/{ORG}/{acct}"


def posture_outputs(tree):
    """posture/: saved AWS CLI outputs (as `rootlens collect-commands` names them) for both
    accounts, on 2024-05-01 (the quarterly audit, before the incident) and 2024-06-03 (the
    morning after): the root key created at step c1 shows in the later account summary, and no
    metric filter, alarm or EventBridge rule ever watched root (the CIS 4.3 alarm is missing)."""
    region = "us-east-1"
    topic = f"arn:aws:sns:{region}:{PROD}:security-alerts"

    def put(acct, where, stamp, token, document, subject=None):
        name = f"{acct}__{where}__{stamp}__{token}" + (f"__{subject}" if subject else "") + ".json"
        tree.put(f"posture/{name}", (json.dumps(document, indent=2) + "\n").encode())

    def summary(mfa, keys):
        return {"SummaryMap": {"Users": 9, "Groups": 3, "Roles": 14, "Policies": 6, "MFADevices": 4,
                               "MFADevicesInUse": 3, "AccountMFAEnabled": mfa,
                               "AccountAccessKeysPresent": keys, "AccountSigningCertificatesPresent": 0,
                               "UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000}}

    def trail(acct, name, home_acct, org_trail, kms):
        doc = {"Name": name, "S3BucketName": ORG_BUCKET if org_trail else PROD_BUCKET,
               "IncludeGlobalServiceEvents": True, "IsMultiRegionTrail": True, "HomeRegion": region,
               "TrailARN": f"arn:aws:cloudtrail:{region}:{home_acct}:trail/{name}",
               "LogFileValidationEnabled": True, "HasCustomEventSelectors": False,
               "HasInsightSelectors": not org_trail, "IsOrganizationTrail": org_trail}
        if not org_trail:
            doc["CloudWatchLogsLogGroupArn"] = f"arn:aws:logs:{region}:{acct}:log-group:cloudtrail-{name}:*"
            doc["CloudWatchLogsRoleArn"] = f"arn:aws:iam::{acct}:role/CloudTrailToCloudWatch"
        if kms:
            doc["KmsKeyId"] = f"arn:aws:kms:{region}:{home_acct}:key/5f0c8a4e-2b1d-4e59-9c3a-7d6e1f2a3b4c"
        return doc

    # CIS 4.1 and 4.5 are watched in prod; 4.3 (root usage) never was.
    filters = [("unauthorized-api-calls", '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'),
               ("cloudtrail-changes", "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
                "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }")]
    for stamp in ("20240501T080000Z", "20240603T080000Z"):
        after = stamp.startswith("20240603")
        put(PROD, "global", stamp, "iam-get-account-summary", summary(1, 1 if after else 0))
        put(DEV, "global", stamp, "iam-get-account-summary", summary(0, 0))
        put(PROD, "global", stamp, "iam-list-virtual-mfa-devices", {"VirtualMFADevices": [
            {"SerialNumber": f"arn:aws:iam::{PROD}:mfa/root-account-mfa-device",
             "User": {"Path": "/", "UserName": PROD, "UserId": PROD, "Arn": f"arn:aws:iam::{PROD}:root",
                      "CreateDate": "2019-03-04T10:21:37+00:00"},
             "EnableDate": "2019-03-04T10:25:02+00:00"},
            {"SerialNumber": f"arn:aws:iam::{PROD}:mfa/alice", "EnableDate": "2019-03-04T11:10:40+00:00",
             "User": {"Path": "/", "UserName": "alice", "UserId": "AIDAYVP4CIPPALICE7Q2K",
                      "Arn": f"arn:aws:iam::{PROD}:user/alice", "CreateDate": "2019-03-04T11:02:55+00:00"}}]})
        put(DEV, "global", stamp, "iam-list-virtual-mfa-devices", {"VirtualMFADevices": []})
        put(PROD, "global", stamp, "iam-get-account-password-policy", {"PasswordPolicy": {
            "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
            "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
            "AllowUsersToChangePassword": True, "ExpirePasswords": False, "PasswordReusePrevention": 24}})
        put(DEV, "global", stamp, "iam-get-account-password-policy", {"PasswordPolicy": {
            "MinimumPasswordLength": 8, "RequireSymbols": False, "RequireNumbers": True,
            "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": True,
            "AllowUsersToChangePassword": True, "ExpirePasswords": False}})
        put(PROD, "global", stamp, "account-get-alternate-contact", {"AlternateContact": {
            "AlternateContactType": "SECURITY", "EmailAddress": "security@example.com",
            "Name": "ACME Security", "PhoneNumber": "+1-555-0100", "Title": "Security team"}}, "SECURITY")
        put(DEV, "global", stamp, "account-get-alternate-contact", {
            "Operation": "GetAlternateContact", "Error": {"Code": "ResourceNotFoundException",
                                                           "Message": "No contact of the inputted alternate contact type found."}},
            "SECURITY")
        # Organisation: prod is the management account.
        put(PROD, "global", stamp, "organizations-list-accounts", {"Accounts": [
            {"Id": PROD, "Arn": f"arn:aws:organizations::{PROD}:account/{ORG}/{PROD}", "Email": "aws-prod@example.com",
             "Name": "acme-prod", "Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": "INVITED",
             "JoinedTimestamp": "2019-03-04T10:21:37.000000+00:00"},
            {"Id": DEV, "Arn": f"arn:aws:organizations::{PROD}:account/{ORG}/{DEV}", "Email": "acme.dev.aws@gmail.com",
             "Name": "acme-dev", "Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": "CREATED",
             "JoinedTimestamp": "2021-01-18T15:40:02.000000+00:00"}]})
        put(PROD, "global", stamp, "iam-list-organizations-features", {
            "Operation": "ListOrganizationsFeatures", "Error": {"Code": "ServiceAccessNotEnabledException",
                                                                 "Message": "The request failed because AWS service access is not enabled for the organization."}})
        put(PROD, "global", stamp, "organizations-list-policies", {"Policies": [
            {"Id": "p-FullAWSAccess", "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
             "Name": "FullAWSAccess", "Description": "Allows access to every operation",
             "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": True}]})
        put(PROD, "global", stamp, "organizations-describe-policy", {"Policy": {
            "PolicySummary": {"Id": "p-FullAWSAccess", "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
                              "Name": "FullAWSAccess", "Description": "Allows access to every operation",
                              "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": True},
            "Content": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})}},
            "p-FullAWSAccess")
        put(PROD, "global", stamp, "organizations-list-targets-for-policy", {"Targets": [
            {"TargetId": "r-7q2k", "Arn": f"arn:aws:organizations::{PROD}:root/{ORG}/r-7q2k", "Name": "Root", "Type": "ROOT"}]},
            "p-FullAWSAccess")
        put(PROD, "global", stamp, "organizations-list-parents", {"Parents": [{"Id": "r-7q2k", "Type": "ROOT"}]}, DEV)
        # CloudTrail: prod's own multi-region trail (validation on: the digests), no KMS key;
        # dev sees the organisation trail.
        for acct, name, home, org_trail in ((PROD, "management-events", PROD, False),
                                            (DEV, "acme-org-trail", PROD, True)):
            doc = trail(acct, name, home, org_trail, kms=org_trail)
            put(acct, region, stamp, "cloudtrail-describe-trails", {"trailList": [doc]})
            put(acct, region, stamp, "cloudtrail-get-trail-status", {
                "IsLogging": True, "LatestDeliveryTime": f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T07:55:00Z",
                "StartLoggingTime": "2024-05-29T06:10:00Z" if after and acct == PROD else "2021-01-18T16:00:00Z",
                "StopLoggingTime": "2024-05-28T01:02:00Z" if after and acct == PROD else None}, name)
            put(acct, region, stamp, "cloudtrail-get-event-selectors", {
                "TrailARN": doc["TrailARN"], "EventSelectors": [
                    {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [],
                     "ExcludeManagementEventSources": []}]}, name)
        put(PROD, region, stamp, "logs-describe-metric-filters", {"metricFilters": [
            {"filterName": name, "filterPattern": pattern, "logGroupName": "cloudtrail-management-events",
             "metricTransformations": [{"metricName": name, "metricNamespace": "SecurityMetrics", "metricValue": "1"}],
             "creationTime": 1556804400000} for name, pattern in filters]})
        put(PROD, region, stamp, "cloudwatch-describe-alarms", {"MetricAlarms": [
            {"AlarmName": f"{name}-alarm", "AlarmArn": f"arn:aws:cloudwatch:{region}:{PROD}:alarm:{name}-alarm",
             "ActionsEnabled": True, "AlarmActions": [topic], "OKActions": [], "InsufficientDataActions": [],
             "StateValue": "OK", "MetricName": name, "Namespace": "SecurityMetrics", "Statistic": "Sum",
             "Period": 300, "EvaluationPeriods": 1, "Threshold": 1.0,
             "ComparisonOperator": "GreaterThanOrEqualToThreshold"} for name, _ in filters], "CompositeAlarms": []})
        put(PROD, region, stamp, "sns-list-subscriptions-by-topic", {"Subscriptions": [
            {"SubscriptionArn": f"{topic}:3f1c2b9e-8d7a-4c6b-a5e4-1f2e3d4c5b6a", "Owner": PROD,
             "Protocol": "email", "Endpoint": "soc@example.com", "TopicArn": topic}]}, topic)
        put(PROD, region, stamp, "events-list-rules", {"Rules": []})
        put(DEV, region, stamp, "logs-describe-metric-filters", {"metricFilters": []})
        put(DEV, region, stamp, "cloudwatch-describe-alarms", {"MetricAlarms": [], "CompositeAlarms": []})
        put(DEV, region, stamp, "events-list-rules", {"Rules": []})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args(argv)

    rng = random.Random("rootlens-sample-v1")
    archive = []  # records destined to the S3 archive
    for acct in (PROD, DEV):
        human_sessions(random.Random(f"humans-{acct}"), archive, acct)
        service_noise(random.Random(f"noise-{acct}"), archive, acct, START, END)
    key_rotation_events(archive)
    burst_start, burst_end = insight_burst(random.Random("insight"), archive)
    archive.extend(misc_changes(rng))
    archive.extend(lookalike_events())
    incident = incident_events()

    # The trail was stopped: nothing for the production account in [STOP, RESTART).
    archive = [r for r in archive
               if not (r["recipientAccountId"] == PROD and STOP_TIME <= evt_time(r) < RESTART_TIME + timedelta(seconds=1))]
    # Background must not collide with the quiet-week red flags (checked again below).
    archive.extend(incident)

    # A few background records get fractional seconds / string readOnly.
    archive.sort(key=lambda r: (evt_time(r), r["eventID"]))
    frac_done = 0
    ro_str_done = 0
    for r in archive:
        if r["eventID"].startswith(("0a", "f7")) and frac_done < 4 and r["eventID"] not in {g[1]["eventID"] for g in GROUND_TRUTH}:
            r["eventTime"] = r["eventTime"][:-1] + ".%03dZ" % (int(r["eventID"][2:5], 16) % 1000)
            frac_done += 1
        if (r["recipientAccountId"] == DEV and r["readOnly"] is True and r["eventID"].startswith("3")
                and ro_str_done < 3):
            r["readOnly"] = "true"
            ro_str_done += 1

    # ---- sanity checks on the scenario ---------------------------------------------------
    quiet_end = datetime(2024, 5, 27, tzinfo=UTC)
    for r in archive:
        t = evt_time(r)
        if r["recipientAccountId"] != PROD or t >= quiet_end:
            continue
        ui = r["userIdentity"]
        if r["eventName"] == "ConsoleLogin" and ui.get("type") == "Root":
            assert r["additionalEventData"]["MFAUsed"] == "Yes", r
        assert ui.get("accessKeyId") != ROOT_KEY
        assert not (ui.get("type") == "Root" and str(ui.get("accessKeyId", "")).startswith("AKIA"))
        assert r["eventName"] not in ("StopLogging", "DeleteDetector", "CreateLoginProfile")
        assert "AdministratorAccess" not in dumps(r.get("requestParameters"))

    # ---- archive files --------------------------------------------------------------------
    tree = Tree(args.out)
    fr = random.Random("files")
    groups = defaultdict(list)
    for r in archive:
        groups[(r["recipientAccountId"], r["awsRegion"], chunk_start(r["recipientAccountId"], r["awsRegion"], evt_time(r)))].append(r)
    # one event delivered twice, in two different files (prod us-east-1, 2024-05-15)
    dup_key_a = (PROD, "us-east-1", datetime(2024, 5, 15, 8, tzinfo=UTC))
    dup_key_b = (PROD, "us-east-1", datetime(2024, 5, 15, 12, tzinfo=UTC))
    dup_rec = make(dt("2024-05-15T11:59:58"), PROD, ident_user(PROD, "bob", USERS[PROD]["bob"][1][0]),
                   "ec2.amazonaws.com", "DescribeInstances", "us-east-1", BOB_IPS[0],
                   CLI_LINUX.format(cmd="ec2.describe-instances"), {"instancesSet": {}, "filterSet": {}}, None,
                   ro=True, event_id=fixed_id("quirk-delivered-twice"))
    plant("Q3. same record delivered in two archive files", dup_rec)
    groups[dup_key_a].append(dup_rec)
    groups[dup_key_b].insert(0, dup_rec)

    log_files = []  # dicts with acct, region, key, stamp, raw, recs
    for key in sorted(groups):
        acct, region, cstart = key
        recs = sorted(groups[key], key=lambda r: (evt_time(r), r["eventID"]))
        newest = max(evt_time(r) for r in recs)
        deliver = newest + timedelta(minutes=fr.randint(2, 9), seconds=fr.randint(0, 59))
        if key == dup_key_a:
            deliver = datetime(2024, 5, 15, 12, 4, 10, tzinfo=UTC)
        stamp = deliver.strftime("%Y%m%dT%H%MZ")
        name = f"{acct}_CloudTrail_{region}_{stamp}_{IDS.alnum(16)}.json.gz"
        rel = f"{log_prefix(acct)}/CloudTrail/{region}/{deliver:%Y/%m/%d}/{name}"
        raw = dumps({"Records": recs}).encode("utf-8")
        if key == (PROD, "us-east-1", datetime(2024, 5, 27, 21, tzinfo=UTC)):
            cut = len(raw) // 2
            data = gz(raw[:cut]) + gz(raw[cut:])  # multi-member gzip
            multi_member = rel
        else:
            data = gz(raw)
        tree.put(rel, data)
        log_files.append({"acct": acct, "region": region, "rel": rel, "deliver": deliver, "raw": raw, "recs": recs})

    # ---- digests (prod, us-east-1, a handful of hours) ---------------------------------------
    windows = []
    s = datetime(2024, 5, 27, 18, 5, 12, tzinfo=UTC)
    for i in range(5):
        windows.append((s + timedelta(hours=i), s + timedelta(hours=i + 1), i == 0))
    s = RESTART_TIME
    for i in range(3):
        windows.append((s + timedelta(hours=i), s + timedelta(hours=i + 1), i == 0))
    fingerprint = sample_fingerprint()
    prev = None
    newest_of_chain = []
    digests = []
    for (ws, we, chain_start) in windows:
        files = [f for f in log_files if f["acct"] == PROD and f["region"] == "us-east-1"
                 and ws <= f["deliver"].replace(second=0) < we]
        name = f"{PROD}_CloudTrail-Digest_us-east-1_{TRAIL_NAME}_us-east-1_{we:%Y%m%dT%H%M%SZ}.json.gz"
        rel = f"AWSLogs/{PROD}/CloudTrail-Digest/us-east-1/{we:%Y/%m/%d}/{name}"
        lf = []
        for f in files:
            times = [evt_time(r) for r in f["recs"]]
            lf.append({"s3Bucket": PROD_BUCKET, "s3Object": f["rel"],
                       "hashValue": hashlib.sha256(f["raw"]).hexdigest(), "hashAlgorithm": "SHA-256",
                       "newestEventTime": ts(max(times)), "oldestEventTime": ts(min(times))})
        allt = [evt_time(r) for f in files for r in f["recs"]]
        d = {"awsAccountId": PROD, "digestStartTime": ts(ws), "digestEndTime": ts(we),
             "digestS3Bucket": PROD_BUCKET, "digestS3Object": rel,
             "digestPublicKeyFingerprint": fingerprint, "digestSignatureAlgorithm": "SHA256withRSA",
             "newestEventTime": ts(max(allt)) if allt else None,
             "oldestEventTime": ts(min(allt)) if allt else None}
        if chain_start or prev is None:
            d.update({"previousDigestS3Bucket": None, "previousDigestS3Object": None,
                      "previousDigestHashValue": None, "previousDigestHashAlgorithm": None,
                      "previousDigestSignature": None})
            if prev is not None:
                newest_of_chain.append(prev)
        else:
            IDS.hexs(512)  # drawn as before, so every later id stays the same
            d.update({"previousDigestS3Bucket": PROD_BUCKET, "previousDigestS3Object": prev[0],
                      "previousDigestHashValue": hashlib.sha256(prev[1]).hexdigest(),
                      "previousDigestHashAlgorithm": "SHA-256",
                      "previousDigestSignature": prev[2]})
        d["logFiles"] = lf
        raw = dumps(d).encode("utf-8")
        tree.put(rel, gz(raw))
        # CloudTrail signs each digest; the signature goes to its S3 metadata and into the next
        # digest's previousDigestSignature.
        signature = rsa_sign(f"{d['digestEndTime']}\n{PROD_BUCKET}/{rel}\n"
                             f"{hashlib.sha256(raw).hexdigest()}\n"
                             f"{d['previousDigestSignature'] or 'null'}")
        prev = (rel, raw, signature)
        digests.append((rel, len(lf), chain_start))
    newest_of_chain.append(prev)
    # What `aws cloudtrail list-public-keys` and `aws s3api head-object` would have given.
    keys = {"PublicKeyList": [{
        "Value": base64.b64encode(sample_public_key_der()).decode(),
        "ValidityStartTime": "2024-01-01T00:00:00+00:00",
        "ValidityEndTime": "2025-01-01T00:00:00+00:00",
        "Fingerprint": fingerprint}]}
    tree.put("keys/cloudtrail-public-keys-us-east-1.json",
             (json.dumps(keys, indent=2) + "\n").encode())
    newest = {"DigestSignatures": [{"DigestS3Object": key, "Signature": sig,
                                    "SignatureAlgorithm": "SHA256withRSA"}
                                   for (key, _, sig) in newest_of_chain]}
    tree.put("keys/digest-signatures.json", (json.dumps(newest, indent=2) + "\n").encode())

    # ---- insights ----------------------------------------------------------------------------
    shared = fixed_id("insight-shared")
    tagger_arn = f"arn:aws:sts::{PROD}:assumed-role/cost-tagger-role/cost-tagger"
    attributions = [
        {"attribute": "userIdentityArn",
         "insight": [{"value": tagger_arn, "average": 3.2}],
         "baseline": [{"value": f"arn:aws:iam::{PROD}:user/bob", "average": 0.0042}]},
        {"attribute": "userAgent", "insight": [{"value": BOTO_LAMBDA, "average": 3.2}],
         "baseline": [{"value": TERRAFORM.format(svc="ec2"), "average": 0.0042}]},
        {"attribute": "errorCode", "insight": [{"value": "null", "average": 3.2}],
         "baseline": [{"value": "null", "average": 0.0061}]},
    ]
    ins_start = {"eventVersion": "1.08", "eventTime": "2024-05-21T14:00:00Z", "awsRegion": "us-east-1",
                 "eventID": fixed_id("insight-start"), "eventType": "AwsCloudTrailInsight",
                 "recipientAccountId": PROD, "sharedEventID": shared,
                 "insightDetails": {"state": "Start", "eventSource": "ec2.amazonaws.com", "eventName": "CreateTags",
                                    "insightType": "ApiCallRateInsight",
                                    "insightContext": {"statistics": {"baseline": {"average": 0.0061},
                                                                      "insight": {"average": 3.2},
                                                                      "insightDuration": 1},
                                                       "attributions": attributions}},
                 "eventCategory": "Insight"}
    ins_end = json.loads(dumps(ins_start))
    ins_end["eventTime"] = "2024-05-21T14:31:00Z"
    ins_end["eventID"] = fixed_id("insight-end")
    ins_end["insightDetails"]["state"] = "End"
    ins_end["insightDetails"]["insightContext"]["statistics"] = {
        "baseline": {"average": 0.0061}, "insight": {"average": 3.0967741935}, "insightDuration": 31,
        "baselineDuration": 10079}
    plant("I1. Insight Start (ec2 CreateTags ApiCallRateInsight)", ins_start, "insight")
    plant("I2. Insight End", ins_end, "insight")
    stamp = datetime(2024, 5, 21, 15, 2, tzinfo=UTC)
    rel = (f"AWSLogs/{PROD}/CloudTrail-Insight/us-east-1/{stamp:%Y/%m/%d}/"
           f"{PROD}_CloudTrail-Insight_us-east-1_{stamp:%Y%m%dT%H%MZ}_{IDS.alnum(16)}.json.gz")
    tree.put(rel, gz(dumps({"Records": [ins_start, ins_end]}).encode()))

    # ---- exports/event-history.json (lookup-events, ReadOnly=false, us-east-1, prod) ---------------
    by_id = {r["eventID"]: r for r in archive}
    dup_ids = [fixed_id(x) for x in ("incident-root-fail-6", "incident-root-login",
                                     "incident-root-createaccesskey", "incident-d1", "incident-d2",
                                     "incident-d3", "incident-d4", "incident-e2", "incident-startlogging")]
    eh_recs = [by_id[i] for i in dup_ids]
    alice = lambda key=None, created=None: ident_user(PROD, "alice", key, created, True if created else None)
    a_login2 = dt("2024-06-03T07:52:18")
    ak = "ASIAYVP4CIPPIRALICE3"
    only_eh = [
        plant("H1. alice ConsoleLogin while trail was stopped (event history only)",
              console_login(ALICE_RESTART_LOGIN, PROD, alice(), OFFICE_IPS[0], CHROME, mfa="Yes",
                            event_id=fixed_id("eh-alice-login-0530")), "event-history"),
        plant("H2. alice ConsoleLogin 2024-06-03 (event history only)",
              console_login(a_login2, PROD, alice(), OFFICE_IPS[0], CHROME, mfa="Yes",
                            event_id=fixed_id("eh-alice-login-0603")), "event-history"),
        plant("H3. alice GenerateCredentialReport (event history only)",
              make(dt("2024-06-03T07:59:58"), PROD, alice(ak, a_login2), "iam.amazonaws.com",
                   "GenerateCredentialReport", "us-east-1", OFFICE_IPS[0], CHROME, None, None, console=True,
                   event_id=fixed_id("eh-alice-gencredreport")), "event-history"),
        plant("H4. alice DeleteLoginProfile svc-backup (event history only)",
              make(dt("2024-06-03T08:15:40"), PROD, alice(ak, a_login2), "iam.amazonaws.com",
                   "DeleteLoginProfile", "us-east-1", OFFICE_IPS[0], CHROME, {"userName": BACKDOOR_USER}, None,
                   console=True, event_id=fixed_id("eh-alice-deleteloginprofile")), "event-history"),
        plant("H5. alice UpdateAccessKey svc-backup Inactive (event history only)",
              make(dt("2024-06-03T08:16:22"), PROD, alice(ak, a_login2), "iam.amazonaws.com",
                   "UpdateAccessKey", "us-east-1", OFFICE_IPS[0], CHROME,
                   {"userName": BACKDOOR_USER, "accessKeyId": BACKDOOR_KEY, "status": "Inactive"}, None,
                   console=True, event_id=fixed_id("eh-alice-updateaccesskey")), "event-history"),
        plant("H6. alice DetachUserPolicy AdministratorAccess from svc-backup (event history only)",
              make(dt("2024-06-03T08:17:05"), PROD, alice(ak, a_login2), "iam.amazonaws.com",
                   "DetachUserPolicy", "us-east-1", OFFICE_IPS[0], CHROME,
                   {"userName": BACKDOOR_USER, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}, None,
                   console=True, event_id=fixed_id("eh-alice-detachuserpolicy")), "event-history"),
    ]
    eh_all = sorted(eh_recs + only_eh, key=lambda r: (evt_time(r), r["eventID"]), reverse=True)

    def lookup_item(r):
        ui = r["userIdentity"]
        user = "root" if ui.get("type") == "Root" else ui.get("userName") or ui.get("principalId", "").split(":")[-1]
        it = {"EventId": r["eventID"], "EventName": r["eventName"],
              "ReadOnly": str(r["readOnly"]).lower(),
              }
        if ui.get("accessKeyId"):
            it["AccessKeyId"] = ui["accessKeyId"]
        it["EventTime"] = ts_cr(evt_time(r))
        it["EventSource"] = r["eventSource"]
        it["Username"] = user
        res = []
        rp = r.get("requestParameters") if isinstance(r.get("requestParameters"), dict) else {}
        if rp.get("userName"):
            res.append({"ResourceType": "AWS::IAM::User", "ResourceName": rp["userName"]})
        if rp.get("policyArn"):
            res.append({"ResourceType": "AWS::IAM::Policy", "ResourceName": rp["policyArn"]})
        if rp.get("accessKeyId"):
            res.append({"ResourceType": "AWS::IAM::AccessKey", "ResourceName": rp["accessKeyId"]})
        re_ = r.get("responseElements") or {}
        if isinstance(re_, dict) and "accessKey" in re_:
            res.append({"ResourceType": "AWS::IAM::AccessKey", "ResourceName": re_["accessKey"]["accessKeyId"]})
        if rp.get("name", "").startswith("arn:aws:cloudtrail"):
            res.append({"ResourceType": "AWS::CloudTrail::Trail", "ResourceName": rp["name"]})
        it["Resources"] = res
        it["CloudTrailEvent"] = dumps(r)
        return it

    tree.put("exports/event-history.json",
             (json.dumps({"Events": [lookup_item(r) for r in eh_all]}, indent=4, ensure_ascii=False) + "\n").encode())

    # ---- exports/bare-array.json (dev, ap-southeast-2) -----------------------------------------------
    bob_d = ident_user(DEV, "bob", USERS[DEV]["bob"][1][0])
    ap = "ap-southeast-2"
    t = dt("2024-05-22T10:12:03")
    sg_new = "sg-0ab12cd34ef567890"
    bare = []
    spec = [
        ("ec2.amazonaws.com", "DescribeVpcs", True, {"vpcSet": {}, "filterSet": {}}, None),
        ("ec2.amazonaws.com", "DescribeSubnets", True, {"subnetSet": {}, "filterSet": {}}, None),
        ("ec2.amazonaws.com", "CreateSecurityGroup", False,
         {"groupName": "load-test", "groupDescription": "load test workers", "vpcId": "vpc-0c1d2e3f4a5b60789"},
         {"requestId": None, "_return": True, "groupId": sg_new}),
        ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", False,
         {"groupId": sg_new, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
                                                          "ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}}]}},
         {"requestId": None, "_return": True}),
        ("ec2.amazonaws.com", "RunInstances", False,
         {"instancesSet": {"items": [{"imageId": "ami-0d6f74b9139d26bf1", "minCount": 1, "maxCount": 2}]},
          "instanceType": "c7g.large", "subnetId": "subnet-0f1e2d3c4b5a69788"},
         {"requestId": None, "reservationId": "r-0a1b2c3d4e5f67890", "ownerId": DEV,
          "instancesSet": {"items": [{"instanceId": "i-0e5d4c3b2a1f09876", "instanceType": "c7g.large"},
                                     {"instanceId": "i-0f6e5d4c3b2a10987", "instanceType": "c7g.large"}]}}),
        ("ec2.amazonaws.com", "CreateTags", False,
         {"resourcesSet": {"items": [{"resourceId": "i-0e5d4c3b2a1f09876"}, {"resourceId": "i-0f6e5d4c3b2a10987"}]},
          "tagSet": {"items": [{"key": "Name", "value": "load-test"}]}},
         {"requestId": None, "_return": True}),
    ]
    for i, (src, name, ro, req, resp) in enumerate(spec):
        t += timedelta(seconds=17 + 41 * i)
        if resp and "requestId" in resp:
            resp["requestId"] = IDS.uuid()
        r = make(t, DEV, bob_d, src, name, ap, BOB_IPS[0], CLI_LINUX.format(cmd=cli_cmd(src, name)), req, resp,
                 ro=ro, event_id=fixed_id(f"bare-{i}"))
        if i == 1:
            r["eventTime"] = t.strftime("%Y-%m-%d %H:%M:%S")  # space-separated, as some exports write it
        bare.append(r)
    tree.put("exports/bare-array.json", (json.dumps(bare, indent=2, ensure_ascii=False) + "\n").encode())

    # ---- exports/cloudwatch-logs.ndjson.gz (dev) -------------------------------------------------------
    dev_sorted = [r for r in archive if r["recipientAccountId"] == DEV]
    cw_dups = dev_sorted[-6:]
    cw_new = []
    service_noise(random.Random("cw-noise"), cw_new, DEV, datetime(2024, 6, 3, tzinfo=UTC),
                  datetime(2024, 6, 3, 23, tzinfo=UTC))
    cw_new.sort(key=lambda r: (evt_time(r), r["eventID"]))
    cw_new = cw_new[:24]
    assert len(cw_new) == 24, len(cw_new)
    cw = cw_dups + cw_new
    tree.put("exports/cloudwatch-logs.ndjson.gz", gz("".join(dumps(r) + "\n" for r in cw).encode()))

    # ---- credential reports ------------------------------------------------------------------------
    last_use = {}  # access key -> (time, region, service)
    last_pw = {}   # (acct, user) -> time
    for r in archive:
        ui = r["userIdentity"]
        k = ui.get("accessKeyId", "")
        t = evt_time(r)
        if k.startswith("AKIA"):
            if k not in last_use or t >= last_use[k][0]:
                last_use[k] = (t, r["awsRegion"], r["eventSource"].split(".")[0])
        if r["eventName"] == "ConsoleLogin" and (r.get("responseElements") or {}).get("ConsoleLogin") == "Success" \
                and ui.get("type") == "IAMUser":
            kk = (r["recipientAccountId"], ui["userName"])
            last_pw[kk] = max(last_pw.get(kk, t), t)
    last_pw[(PROD, "alice")] = a_login2

    def lu(key):
        t, reg, svc = last_use[key]
        return [ts_cr(t.replace(second=0)), reg, svc]

    header = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used",
              "password_last_changed", "password_next_rotation", "mfa_active", "access_key_1_active",
              "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region",
              "access_key_1_last_used_service", "access_key_2_active", "access_key_2_last_rotated",
              "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
              "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"]
    NA4 = ["N/A", "N/A", "N/A", "N/A"]
    NOKEY = ["false"] + NA4
    NOCERT = ["false", "N/A", "false", "N/A"]

    def row(acct, user, created, pw, mfa, k1, k2, path="/"):
        arn = f"arn:aws:iam::{acct}:root" if user == "<root_account>" else f"arn:aws:iam::{acct}:user{path}{user}"
        return [user, arn, created] + pw + [mfa] + k1 + k2 + NOCERT

    def pw_on(last, changed):
        return ["true", last, changed, "N/A"]

    PW_OFF = ["false", "N/A", "N/A", "N/A"]
    ROOT_PW = lambda last: ["not_supported", last, "not_supported", "not_supported"]

    def report_prod(after: bool):
        rows = []
        if after:
            root_k1 = ["true", ts_cr(dt("2024-05-27T21:14:05")), "2024-05-29T03:17:00+00:00", "us-east-1", "s3"]
            rows.append(row(PROD, "<root_account>", "2019-03-04T10:21:37+00:00",
                            ROOT_PW(ts_cr(dt("2024-05-27T21:11:38"))), "true", root_k1, NOKEY))
        else:
            rows.append(row(PROD, "<root_account>", "2019-03-04T10:21:37+00:00",
                            ROOT_PW("2024-04-08T16:02:11+00:00"), "true", NOKEY, NOKEY))
        ak, bk1, bk2 = USERS[PROD]["alice"][1][0], USERS[PROD]["bob"][1][0], USERS[PROD]["bob"][1][1]
        if after:
            a = row(PROD, "alice", "2019-03-04T11:02:55+00:00", pw_on(ts_cr(last_pw[(PROD, "alice")]), "2024-02-19T09:40:12+00:00"),
                    "true", ["true", "2024-02-20T10:03:44+00:00"] + lu(ak), NOKEY)
            b = row(PROD, "bob", "2020-06-15T14:30:21+00:00", pw_on(ts_cr(last_pw[(PROD, "bob")]), "2023-11-06T10:11:04+00:00"),
                    "true", ["true", "2023-09-04T08:55:31+00:00"] + lu(bk1), ["true", "2024-03-11T09:14:02+00:00"] + lu(bk2))
        else:
            a = row(PROD, "alice", "2019-03-04T11:02:55+00:00", pw_on("2024-04-30T08:14:09+00:00", "2024-02-19T09:40:12+00:00"),
                    "true", ["true", "2024-02-20T10:03:44+00:00", "2024-04-30T16:41:00+00:00", "us-east-1", "s3"], NOKEY)
            b = row(PROD, "bob", "2020-06-15T14:30:21+00:00", pw_on("2024-04-29T13:22:51+00:00", "2023-11-06T10:11:04+00:00"),
                    "true", ["true", "2023-09-04T08:55:31+00:00", "2024-04-30T17:58:00+00:00", "us-east-1", "ec2"],
                    ["true", "2024-03-11T09:14:02+00:00", "2024-04-26T11:05:00+00:00", "eu-west-1", "lambda"])
        rows += [a, b]
        rows.append(row(PROD, "dave", "2023-10-02T12:00:41+00:00", pw_on("2024-02-12T15:47:30+00:00", "2023-10-02T12:00:41+00:00"),
                        "false", NOKEY, NOKEY, path="/contractors/"))
        rows.append(row(PROD, "deploy-bot", "2024-04-10T13:37:12+00:00", PW_OFF, "false",
                        ["true", "2024-04-10T13:37:13+00:00", "N/A", "N/A", "N/A"], NOKEY))
        rows.append(row(PROD, "legacy-reporting", "2017-08-22T07:45:10+00:00", PW_OFF, "false",
                        ["true", "2022-11-03T10:20:00+00:00", "2024-01-19T03:00:00+00:00", "eu-west-1", "s3"], NOKEY))
        rows.append(row(PROD, "old-admin", "2014-05-12T09:00:00+00:00", ["false", "no_information", "N/A", "N/A"],
                        "false", ["false", "2014-05-12T09:02:11+00:00", "N/A", "N/A", "N/A"], NOKEY))
        if after:
            rows.append(row(PROD, BACKDOOR_USER, "2024-05-27T21:41:12+00:00",
                            pw_on("2024-05-28T02:13:44+00:00", "2024-05-27T21:43:10+00:00"), "false",
                            ["true", "2024-05-27T21:42:30+00:00", "2024-05-29T04:02:00+00:00", "eu-west-1", "ec2"], NOKEY))
        return rows

    def report_dev():
        a, b, q = (USERS[DEV][u][1][0] for u in ("alice", "bob", "qa-tester"))
        return [
            row(DEV, "<root_account>", "2021-01-18T15:40:02+00:00", ROOT_PW("2024-02-02T10:17:45+00:00"), "false", NOKEY, NOKEY),
            row(DEV, "alice", "2021-01-18T16:05:13+00:00", pw_on(ts_cr(last_pw[(DEV, "alice")]), "2024-01-08T09:12:40+00:00"),
                "true", ["true", "2024-01-08T09:15:02+00:00"] + lu(a), NOKEY),
            row(DEV, "bob", "2021-02-01T14:22:51+00:00", pw_on(ts_cr(last_pw[(DEV, "bob")]), "2023-12-04T17:03:19+00:00"),
                "true", ["true", "2024-04-15T16:40:27+00:00"] + lu(b), NOKEY),
            row(DEV, "qa-tester", "2023-06-12T11:30:00+00:00", pw_on("2024-03-19T12:41:06+00:00", "2023-06-12T11:30:00+00:00"),
                "false", ["true", "2023-06-12T11:31:44+00:00"] + lu(q), NOKEY),
        ]

    def csv_bytes(rows, bom=False, crlf=False):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        for r in rows:
            assert len(r) == 22, r
            w.writerow(r)
        return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")

    tree.put(f"credential-reports/{PROD}_credential-report_2024-05-01T08-00-00Z.csv", csv_bytes(report_prod(False)))
    tree.put(f"credential-reports/{PROD}_credential-report_2024-06-03T08-00-00Z.csv", csv_bytes(report_prod(True)))
    tree.put(f"credential-reports/credential-report-{DEV}-20240603T080000Z.csv",
             csv_bytes(report_dev(), bom=True, crlf=True))

    # ---- geo databases (synthetic) ---------------------------------------------------------------------
    for name, data in geo_databases().items():
        tree.put(f"GeoIP/{name}", data)

    # ---- unrelated ---------------------------------------------------------------------------------
    tree.put("unrelated/notes.txt", (
        "Analyst notes - case ACME-2024-0603 (J. Moreau)\n"
        "\n"
        "2024-06-03 07:40  Pager: GuardDuty missing in eu-west-1 for prod (111122223333).\n"
        "2024-06-03 08:00  Pulled credential reports for prod and dev; exported event history (write events).\n"
        "2024-06-03 08:20  Disabled svc-backup key and console password, detached AdministratorAccess.\n"
        "TODO: ask the account owner to delete the root access key and rotate the root password + MFA.\n"
        "This file is not a log export; ingest tools should list it as skipped.\n").encode())

    posture_outputs(tree)
    tree.write()

    # ---- summary --------------------------------------------------------------------------------------
    n_archive_files = sum(1 for f in tree.files if "/CloudTrail/" in f)
    n_records = sum(len(f["recs"]) for f in log_files)
    uniq = len({r["eventID"] for f in log_files for r in f["recs"]})
    total = sum(len(b) for b in tree.files.values())
    print(f"wrote {len(tree.files)} files, {total} bytes, under {args.out}")
    print(f"  archive log files: {n_archive_files} ({n_records} records, {uniq} unique eventIDs)")
    for acct in (PROD, DEV):
        for region in REGIONS:
            n = sum(1 for f in log_files if f["acct"] == acct and f["region"] == region)
            m = sum(len(f["recs"]) for f in log_files if f["acct"] == acct and f["region"] == region)
            print(f"    {acct} {region}: {n} files, {m} records")
    print(f"  multi-member gzip: {multi_member}")
    print(f"  digests: {len(digests)} (" + ", ".join(f"{os.path.basename(d[0])[-21:-8]}:{d[1]} files"
                                                 + (" chain-start" if d[2] else "") for d in digests) + ")")
    print(f"  insight: 1 file, 2 records; CreateTags burst {burst_start:%H:%M}-{burst_end:%H:%M}")
    print(f"  event-history: {len(eh_all)} events ({len(eh_recs)} also in archive)")
    print(f"  bare-array: {len(bare)} records; cloudwatch ndjson: {len(cw)} records ({len(cw_dups)} also in archive)")
    print("  ground truth:")
    for label, r, where in GROUND_TRUTH:
        print(f"    {r['eventTime']:<26} {r['eventID']}  {label}  [{where}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
