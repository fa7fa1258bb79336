"""Turns on credential checking in a running moto server (IAM-like access
control) after creating the identities the aws-kms provider tests sign with.

Usage: moto_iam.py http://127.0.0.1:PORT

While moto's check is off, creates through boto3:
  - user "tresor-kms" allowed kms:* and sts:AssumeRole, with an access key;
  - role "tresor-kms-role" allowed kms:*, assumed once (temporary
    credentials with a session token);
  - user "tresor-no-kms" allowed only kms:DescribeKey, with an access key.
Then POSTs /moto-api/reset-auth with 0, so every later request must carry a
valid SigV4 signature from a known key, and prints the credentials as one
JSON object: {"user": C, "role": C, "denied": C} with
C = {"access_key_id", "secret_access_key", "session_token"?}.
"""

import json
import sys
import urllib.request

import boto3


def policy(actions):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
    )


def main():
    endpoint = sys.argv[1]
    anyone = dict(
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam = boto3.client("iam", **anyone)

    def user(name, actions):
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(actions))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {
            "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"],
        }

    allowed = user("tresor-kms", ["kms:*", "sts:AssumeRole"])
    denied = user("tresor-no-kms", ["kms:DescribeKey"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(
        RoleName="tresor-kms-role", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]
    iam.put_role_policy(
        RoleName="tresor-kms-role", PolicyName="p", PolicyDocument=policy(["kms:*"])
    )
    sts = boto3.client("sts", **anyone)
    temp = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="tresor-tests")[
        "Credentials"
    ]
    assumed = {
        "access_key_id": temp["AccessKeyId"],
        "secret_access_key": temp["SecretAccessKey"],
        "session_token": temp["SessionToken"],
    }

    req = urllib.request.Request(
        endpoint.rstrip("/") + "/moto-api/reset-auth",
        data=b"0",
        method="POST",
        # Not a form: moto reads the raw body.
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(req) as r:
        r.read()

    print(json.dumps({"user": allowed, "role": assumed, "denied": denied}))


if __name__ == "__main__":
    main()
