"""Drives Tresor's KMIP server with PyKMIP's ProxyKmipClient (a real
third-party client) over TLS with a client certificate.

usage: pykmip_client.py HOST PORT CERT KEY CA VERSION   (VERSION: 1.2 or 2.0)

Runs one scenario and prints one JSON object per step on stdout:
{"step": ..., "ok": true, "value": ...} or {"step": ..., "ok": false,
"error": ...}. The calling test decides what must succeed.
"""

import json
import sys
import traceback
import warnings

warnings.filterwarnings("ignore")

from kmip import enums  # noqa: E402
from kmip.pie import objects  # noqa: E402
from kmip.pie.client import ProxyKmipClient  # noqa: E402


def main() -> None:
    host, port, cert, key, ca, version = sys.argv[1:7]
    kmip_version = {
        "1.2": enums.KMIPVersion.KMIP_1_2,
        "2.0": enums.KMIPVersion.KMIP_2_0,
    }[version]
    state = {}

    def step(name, fn):
        try:
            value = fn()
        except Exception as e:  # noqa: BLE001 - reported to the test
            print(
                json.dumps(
                    {
                        "step": name,
                        "ok": False,
                        "error": f"{type(e).__name__}: {e}",
                        "trace": traceback.format_exc(limit=3),
                    }
                ),
                flush=True,
            )
            return None
        print(json.dumps({"step": name, "ok": True, "value": value}), flush=True)
        return value

    client = ProxyKmipClient(
        hostname=host,
        port=int(port),
        cert=cert,
        key=key,
        ca=ca,
        config_file="/dev/null",
        kmip_version=kmip_version,
    )
    with client:
        name = f"pykmip-aes-{version}"
        aes = step(
            "create",
            lambda: client.create(
                enums.CryptographicAlgorithm.AES,
                256,
                name=name,
                cryptographic_usage_mask=[
                    enums.CryptographicUsageMask.ENCRYPT,
                    enums.CryptographicUsageMask.DECRYPT,
                ],
            ),
        )
        step("activate", lambda: client.activate(aes))
        attrs = step(
            "get_attributes",
            lambda: {
                a.attribute_name.value: str(a.attribute_value)
                for a in client.get_attributes(
                    aes,
                    ["Cryptographic Algorithm", "Cryptographic Length", "Name", "State"],
                )[1]
            },
        )
        del attrs
        step("get_attribute_list", lambda: sorted(client.get_attribute_list(aes)))
        step("locate", lambda: client.locate(attributes=[
            client.attribute_factory.create_attribute(
                enums.AttributeType.NAME, name
            )
        ]))
        params = {
            "block_cipher_mode": enums.BlockCipherMode.GCM,
            "cryptographic_algorithm": enums.CryptographicAlgorithm.AES,
        }
        sealed = step(
            "encrypt",
            lambda: client.encrypt(b"attack at dawn", uid=aes,
                                   cryptographic_parameters=params)[0].hex(),
        )
        step(
            "decrypt",
            lambda: client.decrypt(bytes.fromhex(sealed), uid=aes,
                                   cryptographic_parameters=params).decode(),
        )

        pair = step(
            "create_key_pair",
            lambda: list(
                client.create_key_pair(
                    enums.CryptographicAlgorithm.RSA,
                    2048,
                    public_usage_mask=[enums.CryptographicUsageMask.VERIFY],
                    private_usage_mask=[enums.CryptographicUsageMask.SIGN],
                )
            ),
        )
        if pair:
            public, private = pair
            step("activate_pair", lambda: [client.activate(public), client.activate(private)])
            sig_params = {
                "cryptographic_algorithm": enums.CryptographicAlgorithm.RSA,
                "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
                "padding_method": enums.PaddingMethod.PSS,
            }
            signature = step(
                "sign",
                lambda: client.sign(b"signed by tresor", uid=private,
                                    cryptographic_parameters=sig_params).hex(),
            )
            step(
                "signature_verify",
                lambda: client.signature_verify(
                    b"signed by tresor", bytes.fromhex(signature), uid=public,
                    cryptographic_parameters=sig_params).name,
            )
            step(
                "signature_verify_tampered",
                lambda: client.signature_verify(
                    b"signed by someone else", bytes.fromhex(signature), uid=public,
                    cryptographic_parameters=sig_params).name,
            )
            step(
                "get_public_key",
                lambda: {
                    "type": type(client.get(public)).__name__,
                    "length": client.get(public).cryptographic_length,
                },
            )

        hmac = step(
            "create_hmac",
            lambda: client.create(enums.CryptographicAlgorithm.HMAC_SHA256, 256),
        )
        step("activate_hmac", lambda: client.activate(hmac))
        step(
            "mac",
            lambda: client.mac(b"mac me", uid=hmac,
                               algorithm=enums.CryptographicAlgorithm.HMAC_SHA256)[1].hex(),
        )

        registered = step(
            "register",
            lambda: client.register(
                objects.SymmetricKey(
                    enums.CryptographicAlgorithm.AES,
                    128,
                    bytes(range(16)),
                    # Export: Tresor returns key material only for keys
                    # created or registered exportable.
                    masks=[enums.CryptographicUsageMask.ENCRYPT,
                           enums.CryptographicUsageMask.DECRYPT,
                           enums.CryptographicUsageMask.EXPORT],
                    name=f"pykmip-registered-{version}",
                )
            ),
        )
        step(
            "get_registered",
            lambda: client.get(registered).value.hex(),
        )

        # Not here: Get with a Key Wrapping Specification. PyKMIP 0.11 reads
        # a wrapped Key Value as a structure, not the Byte String KMIP
        # specifies (OASIS case TC-141-12), so it cannot decode the answer;
        # the Rust tests cover wrapped Get against the TC-141 vector.
        step(
            "check",
            lambda: client.check(
                aes, cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT]
            ),
        )
        step(
            "check_sign",
            lambda: client.check(
                aes, cryptographic_usage_mask=[enums.CryptographicUsageMask.SIGN]
            ),
        )
        step("rekey", lambda: client.rekey(uid=aes, offset=0))
        if pair:
            public_value = client.get(public).value
            registered_public = step(
                "register_public_key",
                lambda: client.register(
                    objects.PublicKey(
                        enums.CryptographicAlgorithm.RSA,
                        2048,
                        public_value,
                        enums.KeyFormatType.PKCS_1,
                    )
                ),
            )
            step(
                "get_registered_public_key",
                lambda: client.get(registered_public).value == public_value,
            )

        step(
            "revoke",
            lambda: client.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, aes),
        )
        step("destroy", lambda: client.destroy(aes))
        step("get_destroyed", lambda: str(client.get(aes)))
    state["done"] = True


if __name__ == "__main__":
    main()
