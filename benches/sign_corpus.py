#!/usr/bin/env python3
"""Signs a bench corpus the way CloudTrail would: one digest per hour per account and region,
chained, listing that hour's log files with the SHA-256 of their decompressed content, signed
SHA256withRSA by a throw-away TEST key (made here, never a real AWS key).

    sign_corpus.py CORPUS OUT      # writes OUT/AWSLogs/…/CloudTrail-Digest/…, OUT/keys/*.json

Needs the `cryptography` package. Used by benches/verify.sh.
"""
import base64
import gzip
import hashlib
import json
import os
import sys
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TRAIL, BUCKET = "bench-trail", "rootlens-bench-bucket"
OFFSET = timedelta(minutes=5, seconds=12)  # digests end at :05:12 like the samples


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    corpus, out = sys.argv[1], sys.argv[2]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.PKCS1)
    fingerprint = hashlib.md5(der).hexdigest()
    files = defaultdict(list)  # (account, region) -> [(stamp, key, sha256, oldest, newest)]
    for folder, _, names in os.walk(corpus):
        for name in names:
            if not name.endswith(".json.gz"):
                continue
            path = os.path.join(folder, name)
            rel = path[path.index("AWSLogs/"):]
            account, _, region, stamp = name.split("_")[:4]
            content = gzip.decompress(open(path, "rb").read())
            when = datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=timezone.utc)
            files[(account, region)].append((when, rel, hashlib.sha256(content).hexdigest()))
    newest = []
    count = 0
    for (account, region), entries in sorted(files.items()):
        entries.sort()
        start = entries[0][0].replace(minute=0, second=0) - timedelta(hours=1) + OFFSET
        last = entries[-1][0]
        previous = None
        i = 0
        while start <= last:
            end = start + timedelta(hours=1)
            listed = []
            while i < len(entries) and entries[i][0] < end:
                when, rel, sha = entries[i]
                listed.append({"s3Bucket": BUCKET, "s3Object": rel, "hashValue": sha,
                               "hashAlgorithm": "SHA-256", "newestEventTime": ts(when),
                               "oldestEventTime": ts(when - timedelta(minutes=5))})
                i += 1
            name = (f"{account}_CloudTrail-Digest_{region}_{TRAIL}_us-east-1_"
                    f"{end:%Y%m%dT%H%M%SZ}.json.gz")
            rel = f"AWSLogs/{account}/CloudTrail-Digest/{region}/{end:%Y/%m/%d}/{name}"
            d = {"awsAccountId": account, "digestStartTime": ts(start), "digestEndTime": ts(end),
                 "digestS3Bucket": BUCKET, "digestS3Object": rel,
                 "digestPublicKeyFingerprint": fingerprint,
                 "digestSignatureAlgorithm": "SHA256withRSA",
                 "newestEventTime": listed[-1]["newestEventTime"] if listed else None,
                 "oldestEventTime": listed[0]["oldestEventTime"] if listed else None,
                 "previousDigestS3Bucket": previous and BUCKET,
                 "previousDigestS3Object": previous and previous[0],
                 "previousDigestHashValue": previous and hashlib.sha256(previous[1]).hexdigest(),
                 "previousDigestHashAlgorithm": previous and "SHA-256",
                 "previousDigestSignature": previous and previous[2],
                 "logFiles": listed}
            raw = json.dumps(d, separators=(",", ":")).encode()
            to_sign = (f"{d['digestEndTime']}\n{BUCKET}/{rel}\n{hashlib.sha256(raw).hexdigest()}\n"
                       f"{d['previousDigestSignature'] or 'null'}")
            signature = key.sign(to_sign.encode(), padding.PKCS1v15(), hashes.SHA256()).hex()
            path = os.path.join(out, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(gzip.compress(raw, mtime=0))
            previous = (rel, raw, signature)
            start = end
            count += 1
        newest.append({"DigestS3Object": previous[0], "Signature": previous[2]})
    os.makedirs(os.path.join(out, "keys"), exist_ok=True)
    with open(os.path.join(out, "keys", "bench-public-keys.json"), "w") as f:
        json.dump({"PublicKeyList": [{"Value": base64.b64encode(der).decode(),
                                      "ValidityStartTime": "2000-01-01T00:00:00Z",
                                      "ValidityEndTime": "2100-01-01T00:00:00Z",
                                      "Fingerprint": fingerprint}]}, f)
    with open(os.path.join(out, "keys", "newest-signatures.json"), "w") as f:
        json.dump({"DigestSignatures": newest}, f)
    print(f"{count} digests for {len(files)} account/region chains in {out}")


if __name__ == "__main__":
    main()
