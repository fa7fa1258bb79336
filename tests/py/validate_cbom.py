"""Validates a CycloneDX 1.6 JSON document (a file path argument) against
the official schema bundled with cyclonedx-python-lib, strictly.
Exit 0 when valid; otherwise print the error and exit 1."""
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        print(f"invalid CycloneDX 1.6: {error}")
        return 1
    print("valid CycloneDX 1.6")
    return 0


if __name__ == "__main__":
    sys.exit(main())
