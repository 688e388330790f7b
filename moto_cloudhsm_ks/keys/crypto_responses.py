"""KMS cryptographic handlers for keys in a CloudHSM key store, and GenerateRandom.

Each handler gets a `KeyRequest` and calls moto's own handler unchanged when the
request does not concern a key or store in a custom key store.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..exceptions import (
    CustomKeyStoreInvalidStateException,
    IncorrectKeyException,
    InvalidKeyUsageException,
    ValidationException,
)
from . import crypto
from .cluster_access import require_connected, usable_key_material
from .constraints import require_enum_value, require_in_range
from .context import StoreKeyContext
from .registry import StoreKey
from .request import KeyRequest, encode_blob

SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
MIN_NUMBER_OF_BYTES = 1
MAX_NUMBER_OF_BYTES = 1024
DATA_KEY_SPECS = {"AES_256": 32, "AES_128": 16}


def encrypt(request: KeyRequest) -> str:
    key = request.store_key("KeyId")
    if key is None:
        return request.call_moto()
    _require_symmetric_algorithm(request, "EncryptionAlgorithm")
    ciphertext = _encrypt_with_store_key(
        request, key, request.blob("Plaintext"), "EncryptionContext"
    )
    return json.dumps(
        {
            "CiphertextBlob": encode_blob(ciphertext),
            "KeyId": key.key_arn,
            "EncryptionAlgorithm": SYMMETRIC_DEFAULT,
        }
    )


def _require_symmetric_algorithm(request: KeyRequest, parameter: str) -> None:
    """Reject an encryption algorithm other than the one symmetric keys use."""
    algorithm = request.params.get(parameter)
    if algorithm is not None and algorithm != SYMMETRIC_DEFAULT:
        raise InvalidKeyUsageException(
            f"Algorithm {algorithm} is incompatible with key spec {SYMMETRIC_DEFAULT}."
        )


def _encrypt_with_store_key(
    request: KeyRequest, key: StoreKey, plaintext: bytes, context_parameter: str
) -> bytes:
    key_material = usable_key_material(request.context, key)
    context = request.encryption_context(context_parameter)
    return crypto.encrypt(key.key_id, key_material, plaintext, context)


def _decrypt_with_store_key(
    request: KeyRequest, key: StoreKey, ciphertext: bytes, context_parameter: str
) -> bytes:
    key_material = usable_key_material(request.context, key)
    context = request.encryption_context(context_parameter)
    return crypto.decrypt(key.key_id, key_material, ciphertext, context)


def _check_requested_key(
    request: KeyRequest, parameter: str, ciphertext_key_id: str | None
) -> None:
    """Reject a KeyId (or SourceKeyId) that is not the ciphertext's key."""
    key_id = request.params.get(parameter)
    if key_id is None or request.resolve_key_id(key_id) == ciphertext_key_id:
        return
    if ciphertext_key_id is None:
        raise crypto.InvalidCiphertextException()
    raise IncorrectKeyException(
        "The key ID in the request does not identify a CMK that can perform this "
        "operation."
    )


def _ciphertext_store_key(
    request: KeyRequest, ciphertext_key_id: str | None
) -> StoreKey | None:
    if ciphertext_key_id is None:
        return None
    return request.context.registry.find(ciphertext_key_id)


def decrypt(request: KeyRequest) -> str:
    """Decrypt: the ciphertext names its key, so KeyId is optional, as on AWS."""
    ciphertext = request.blob("CiphertextBlob")
    ciphertext_key_id = crypto.ciphertext_key_id(ciphertext)
    key = _ciphertext_store_key(request, ciphertext_key_id)
    requested = request.store_key("KeyId")
    if key is None and requested is None:
        return request.call_moto()
    _check_requested_key(request, "KeyId", ciphertext_key_id)
    _require_symmetric_algorithm(request, "EncryptionAlgorithm")
    assert key is not None  # the requested store key is the ciphertext's key
    plaintext = _decrypt_with_store_key(request, key, ciphertext, "EncryptionContext")
    return json.dumps(
        {
            "KeyId": key.key_arn,
            "Plaintext": encode_blob(plaintext),
            "EncryptionAlgorithm": SYMMETRIC_DEFAULT,
        }
    )


def re_encrypt(request: KeyRequest) -> str:
    """ReEncrypt between any two symmetric keys, in or out of custom key stores."""
    ciphertext = request.blob("CiphertextBlob")
    ciphertext_key_id = crypto.ciphertext_key_id(ciphertext)
    source = _ciphertext_store_key(request, ciphertext_key_id)
    requested_source = request.store_key("SourceKeyId")
    destination = request.store_key("DestinationKeyId")
    if source is None and requested_source is None and destination is None:
        return request.call_moto()
    _check_requested_key(request, "SourceKeyId", ciphertext_key_id)
    if source is not None:
        _require_symmetric_algorithm(request, "SourceEncryptionAlgorithm")
    if destination is not None:
        _require_symmetric_algorithm(request, "DestinationEncryptionAlgorithm")

    plaintext, source_arn = _decrypt_source(request, source, ciphertext)
    new_ciphertext, destination_arn = _encrypt_destination(
        request, destination, plaintext
    )
    return json.dumps(
        {
            "CiphertextBlob": encode_blob(new_ciphertext),
            "SourceKeyId": source_arn,
            "KeyId": destination_arn,
            "SourceEncryptionAlgorithm": SYMMETRIC_DEFAULT,
            "DestinationEncryptionAlgorithm": SYMMETRIC_DEFAULT,
        }
    )


def _decrypt_source(
    request: KeyRequest, source: StoreKey | None, ciphertext: bytes
) -> tuple[bytes, str]:
    if source is not None:
        plaintext = _decrypt_with_store_key(
            request, source, ciphertext, "SourceEncryptionContext"
        )
        return plaintext, source.key_arn
    return request.moto_decrypt(ciphertext, "SourceEncryptionContext")


def _encrypt_destination(
    request: KeyRequest, destination: StoreKey | None, plaintext: bytes
) -> tuple[bytes, str]:
    context_parameter = "DestinationEncryptionContext"
    if destination is not None:
        ciphertext = _encrypt_with_store_key(
            request, destination, plaintext, context_parameter
        )
        return ciphertext, destination.key_arn
    return request.moto_encrypt(
        request.required("DestinationKeyId"), plaintext, context_parameter
    )


def check_number_of_bytes(number_of_bytes: int) -> None:
    require_in_range(
        number_of_bytes, "numberOfBytes", MIN_NUMBER_OF_BYTES, MAX_NUMBER_OF_BYTES
    )


def _data_key_length(params: dict[str, Any]) -> int:
    """Return the data key length from NumberOfBytes or KeySpec, as moto checks it."""
    number_of_bytes = params.get("NumberOfBytes")
    key_spec = params.get("KeySpec")
    if number_of_bytes is not None:
        check_number_of_bytes(number_of_bytes)
    if key_spec is not None:
        require_enum_value(key_spec, "keySpec", list(DATA_KEY_SPECS))
    if (number_of_bytes is None) == (key_spec is None):
        raise ValidationException("Please specify either number of bytes or key spec.")
    if number_of_bytes is not None:
        return int(number_of_bytes)
    return DATA_KEY_SPECS[str(key_spec)]


def _generate_data_key(request: KeyRequest) -> dict[str, str] | None:
    """Return GenerateDataKey's result for a store key, or None for other keys."""
    key = request.store_key("KeyId")
    if key is None:
        return None
    plaintext = os.urandom(_data_key_length(request.params))
    ciphertext = _encrypt_with_store_key(request, key, plaintext, "EncryptionContext")
    return {
        "CiphertextBlob": encode_blob(ciphertext),
        "Plaintext": encode_blob(plaintext),
        "KeyId": key.key_arn,
    }


def generate_data_key(request: KeyRequest) -> str:
    result = _generate_data_key(request)
    if result is None:
        return request.call_moto()
    return json.dumps(result)


def generate_data_key_without_plaintext(request: KeyRequest) -> str:
    result = _generate_data_key(request)
    if result is None:
        return request.call_moto()
    del result["Plaintext"]
    return json.dumps(result)


def generate_random(request: KeyRequest) -> str:
    """GenerateRandom: with CustomKeyStoreId, the store's cluster makes the bytes."""
    number_of_bytes = request.params.get("NumberOfBytes")
    if number_of_bytes is None:
        raise ValidationException("NumberOfBytes is required.")
    check_number_of_bytes(number_of_bytes)
    store_id = request.params.get("CustomKeyStoreId")
    if store_id is None:
        return request.call_moto()
    _require_random_source(request.context, store_id)
    if request.params.get("Recipient") is not None:
        raise NotImplementedError(
            "moto-cloudhsm-ks does not support GenerateRandom with both "
            "CustomKeyStoreId and Recipient."
        )
    return json.dumps({"Plaintext": encode_blob(os.urandom(number_of_bytes))})


def _require_random_source(context: StoreKeyContext, store_id: str) -> None:
    """Check the store's cluster can generate random bytes: CONNECTED, with an
    ACTIVE HSM."""
    store = context.key_stores.get_store(store_id)
    require_connected(context, store, "generate random bytes in its cluster")
    cluster = context.clusters.find_cluster(store.cluster_id)
    if cluster is None or not cluster.active_hsms():
        # NOTE: GenerateRandom models no KMSInvalidStateException; the mock
        # reports a cluster without an ACTIVE HSM as an invalid store state.
        raise CustomKeyStoreInvalidStateException(
            f"KMS cannot communicate with your CloudHSM cluster {store.cluster_id} "
            f"of custom key store {store_id}: the cluster has no ACTIVE HSM. Create "
            "an HSM in the cluster and try again."
        )


CRYPTO_HANDLERS = {
    "encrypt": encrypt,
    "decrypt": decrypt,
    "re_encrypt": re_encrypt,
    "generate_data_key": generate_data_key,
    "generate_data_key_without_plaintext": generate_data_key_without_plaintext,
    "generate_random": generate_random,
}
