"""Errors the mock returns, one class per AWS error code.

Each class is named after the `__type` AWS sends, so botocore raises the modelled
exception and `Error.Code` equals the class name. KMS errors carry a lowercase
`message` member, cloudhsmv2 errors a capitalised `Message` member, as in the
botocore service models.
"""

from __future__ import annotations

import json

from moto.core.exceptions import JsonRESTError


class KmsClientError(JsonRESTError):
    """A KMS error with HTTP status 400, whose code is the class name."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(type(self).__name__, message)


class KmsServerError(KmsClientError):
    """A KMS fault (HTTP 500), such as `KMSInternalException`."""

    code = 500


class ValidationException(KmsClientError):
    pass


class NotFoundException(KmsClientError):
    pass


class CustomKeyStoreNotFoundException(KmsClientError):
    pass


class CustomKeyStoreNameInUseException(KmsClientError):
    pass


class CustomKeyStoreInvalidStateException(KmsClientError):
    pass


class CustomKeyStoreHasCMKsException(KmsClientError):
    pass


class CloudHsmClusterNotFoundException(KmsClientError):
    pass


class CloudHsmClusterNotActiveException(KmsClientError):
    pass


class CloudHsmClusterInUseException(KmsClientError):
    pass


class CloudHsmClusterInvalidConfigurationException(KmsClientError):
    pass


class CloudHsmClusterNotRelatedException(KmsClientError):
    pass


class IncorrectTrustAnchorException(KmsClientError):
    pass


class LimitExceededException(KmsClientError):
    pass


class InvalidMarkerException(KmsClientError):
    pass


class KMSInvalidStateException(KmsClientError):
    pass


class DisabledException(KmsClientError):
    pass


class IncorrectKeyException(KmsClientError):
    pass


class InvalidKeyUsageException(KmsClientError):
    pass


class UnsupportedOperationException(KmsClientError):
    pass


class KMSInternalException(KmsServerError):
    pass


class CloudHsmClientError(JsonRESTError):
    """A cloudhsmv2 error with HTTP status 400, whose code is the class name."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(type(self).__name__, message)
        self.description = json.dumps({"__type": self.error_type, "Message": message})


class CloudHsmInvalidRequestException(CloudHsmClientError):
    pass


class CloudHsmResourceNotFoundException(CloudHsmClientError):
    pass


class CloudHsmTagException(CloudHsmClientError):
    pass


class CloudHsmValidationException(CloudHsmClientError):
    """A constraint violation on a cloudhsmv2 request (`__type` ValidationException)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.error_type = "ValidationException"
        self.description = json.dumps(
            {"__type": "ValidationException", "Message": message}
        )


class CloudHsmCliError(Exception):
    """A CloudHSM CLI command failed, with the message in the CLI's own terms."""
