"""KMS keys that live in a CloudHSM key store: creation, key states and crypto."""
