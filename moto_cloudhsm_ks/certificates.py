"""X.509 certificates of the mocked CloudHSM cluster: the HSM identity that
DescribeClusters shows and the certificate checks of InitializeCluster.
"""

from __future__ import annotations

import datetime
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    CertificatePublicKeyTypes,
)
from cryptography.x509.oid import NameOID

_T = TypeVar("_T")

_RSA_KEY_SIZE = 2048
_RSA_PUBLIC_EXPONENT = 65537

# Issued certificates start this far in the past, so that a verifier whose clock
# runs slightly behind still accepts a certificate issued just now.
_CLOCK_SKEW = datetime.timedelta(minutes=5)
_ROOT_VALIDITY = datetime.timedelta(days=20 * 365)
_HSM_CERTIFICATE_VALIDITY = datetime.timedelta(days=10 * 365)

_MOCK_ORGANIZATION = "moto-cloudhsm-ks mock"
_AWS_HARDWARE_ROOT_NAME = "AWS CloudHSM Hardware Root CA"
_MANUFACTURER_HARDWARE_ROOT_NAME = "HSM Manufacturer Hardware Root CA"

_PEM_CERTIFICATE_HINT = (
    "Pass the certificate in PEM format, from '-----BEGIN CERTIFICATE-----' "
    "through '-----END CERTIFICATE-----'."
)
_PASS_ROOT_HINT = "Pass the root certificate of the CA that signed the cluster CSR."


class CertificateError(ValueError):
    """Error for an invalid InitializeCluster certificate.

    str(error) is the message for the user, and it never contains key material.
    """


@dataclass(frozen=True)
class HsmIdentity:
    """Cluster key and the certificates that DescribeClusters shows for it."""

    private_key: rsa.RSAPrivateKey
    cluster_csr: str
    hsm_certificate: str
    aws_hardware_certificate: str
    manufacturer_hardware_certificate: str


@dataclass(frozen=True)
class CertificateAuthority:
    """Self-signed CA certificate in PEM and its private key."""

    certificate_pem: str
    private_key: rsa.RSAPrivateKey

    def sign_csr(self, csr_pem: str, days: int = 3650) -> str:
        """Issue a PEM certificate for the CSR, valid for `days` days from now.

        The certificate copies the subject and public key of the CSR and names this
        CA as issuer. Raises CertificateError (a ValueError) when the CSR is not valid
        PEM or its signature does not verify, and ValueError when `days` is below 1.
        """
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}.")
        csr = _load_csr(csr_pem)
        if not csr.is_signature_valid:
            raise CertificateError(
                "The CSR signature is invalid, because it does not verify with the "
                "public key in the CSR. Pass the CSR unchanged."
            )
        issuer = x509.load_pem_x509_certificate(self.certificate_pem.encode())
        certificate = _issue_certificate(
            subject=csr.subject,
            public_key=csr.public_key(),
            issuer=issuer,
            issuer_key=self.private_key,
            validity=datetime.timedelta(days=days),
            is_ca=False,
        )
        return _to_pem(certificate)


def create_certificate_authority(
    common_name: str = "moto-cloudhsm-ks test CA",
) -> CertificateAuthority:
    """Generate a new RSA 2048 key and a self-signed CA certificate for it.

    The certificate carries a critical BasicConstraints extension with CA set to
    true, so it is a valid InitializeCluster TrustAnchor.
    """
    return _create_root(_name(common_name), _ROOT_VALIDITY)


def _compute_once(factory: Callable[[], _T]) -> Callable[[], _T]:
    """Wrap a factory so that it runs once per process, even when threads race."""
    lock = threading.Lock()
    results: list[_T] = []

    @functools.wraps(factory)
    def get() -> _T:
        with lock:
            if not results:
                results.append(factory())
            return results[0]

    return get


@_compute_once
def default_certificate_authority() -> CertificateAuthority:
    """Return the CA that this process shares, so callers pay for one RSA key only."""
    return create_certificate_authority()


@_compute_once
def _aws_hardware_root() -> CertificateAuthority:
    return _create_root(
        _name(_AWS_HARDWARE_ROOT_NAME, _MOCK_ORGANIZATION), _ROOT_VALIDITY
    )


@_compute_once
def _manufacturer_hardware_root() -> CertificateAuthority:
    return _create_root(
        _name(_MANUFACTURER_HARDWARE_ROOT_NAME, _MOCK_ORGANIZATION), _ROOT_VALIDITY
    )


def create_hsm_identity(cluster_id: str, hsm_id: str) -> HsmIdentity:
    """Generate the cluster key, its CSR and the HSM certificate for a new cluster.

    The CSR subject is CN=<cluster_id> and the HSM certificate subject is
    CN=<hsm_id>. Only the cluster key is new, because both hardware roots are
    generated once per process.
    """
    private_key = _new_rsa_key()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name(cluster_id))
        .sign(private_key, hashes.SHA256())
    )
    aws_root = _aws_hardware_root()
    # NOTE: A real HSM carries certificates from both AWS and the manufacturer.
    # Here the AWS hardware root alone signs the HSM certificate, and the
    # manufacturer root signs nothing, so only the AWS chain verifies.
    hsm_certificate = _issue_certificate(
        subject=_name(hsm_id),
        public_key=private_key.public_key(),
        issuer=x509.load_pem_x509_certificate(aws_root.certificate_pem.encode()),
        issuer_key=aws_root.private_key,
        validity=_HSM_CERTIFICATE_VALIDITY,
        is_ca=False,
    )
    return HsmIdentity(
        private_key=private_key,
        cluster_csr=csr.public_bytes(serialization.Encoding.PEM).decode(),
        hsm_certificate=_to_pem(hsm_certificate),
        aws_hardware_certificate=aws_root.certificate_pem,
        manufacturer_hardware_certificate=(
            _manufacturer_hardware_root().certificate_pem
        ),
    )


def verify_cluster_certificates(
    cluster_csr: str, signed_cert: str, trust_anchor: str
) -> None:
    """Raise CertificateError if InitializeCluster must reject these certificates.

    The TrustAnchor must be one self-signed certificate. If it has X509v3
    extensions, BasicConstraints must be among them with CA set to true. The
    SignedCert must be one certificate that the TrustAnchor issued, with the public
    key of the cluster CSR. Both must be valid at the current time.
    """
    csr = _load_csr(cluster_csr)
    anchor = _load_single_certificate(trust_anchor, "TrustAnchor")
    certificate = _load_single_certificate(signed_cert, "SignedCert")
    now = datetime.datetime.now(datetime.timezone.utc)

    _check_self_signed(anchor)
    _check_ca_basic_constraints(anchor)
    _check_validity(anchor, "TrustAnchor", now)

    _check_issued_by_anchor(certificate, anchor)
    _check_public_key_matches(certificate, csr)
    _check_validity(certificate, "SignedCert", now)


def same_certificate(first_pem: str, second_pem: str) -> bool:
    """Return whether both PEM texts contain the same certificates, compared as DER.

    Whitespace around lines, blank lines and CRLF line endings do not matter. Text
    without a parsable certificate compares as False instead of raising.
    """
    first = _certificates_der(first_pem)
    second = _certificates_der(second_pem)
    return bool(first) and first == second


def _certificates_der(pem: str) -> list[bytes]:
    """Return the DER of each certificate in the PEM text, or [] if it has none."""
    try:
        certificates = _load_certificates(pem)
    except ValueError:
        return []
    return [c.public_bytes(serialization.Encoding.DER) for c in certificates]


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(
        public_exponent=_RSA_PUBLIC_EXPONENT, key_size=_RSA_KEY_SIZE
    )


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def _to_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _create_root(
    subject: x509.Name, validity: datetime.timedelta
) -> CertificateAuthority:
    private_key = _new_rsa_key()
    certificate = _issue_certificate(
        subject=subject,
        public_key=private_key.public_key(),
        issuer=None,
        issuer_key=private_key,
        validity=validity,
        is_ca=True,
    )
    return CertificateAuthority(_to_pem(certificate), private_key)


def _issue_certificate(
    *,
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    issuer: x509.Certificate | None,
    issuer_key: CertificateIssuerPrivateKeyTypes,
    validity: datetime.timedelta,
    is_ca: bool,
) -> x509.Certificate:
    """Sign a SHA-256 certificate for `public_key`, self-signed if `issuer` is None."""
    now = datetime.datetime.now(datetime.timezone.utc)
    issuer_name = subject if issuer is None else issuer.subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + validity)
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if is_ca:
        builder = builder.add_extension(_ca_key_usage(), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _normalize_pem(text: str) -> bytes:
    """Strip each line and drop blank lines, which the PEM parser would reject."""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line).encode()


def _load_certificates(pem: str) -> list[x509.Certificate]:
    """Parse every certificate in the PEM text, or raise ValueError if there is none."""
    return x509.load_pem_x509_certificates(_normalize_pem(pem))


def _load_single_certificate(pem: str, label: str) -> x509.Certificate:
    try:
        certificates = _load_certificates(pem)
    except ValueError:
        raise CertificateError(
            f"The {label} is not a valid PEM-encoded X.509 certificate. "
            f"{_PEM_CERTIFICATE_HINT}"
        ) from None
    # NOTE: The AWS API reference describes SignedCert and TrustAnchor as one
    # certificate each, but does not say how AWS treats a PEM chain. The mock
    # rejects a chain rather than silently using its first certificate.
    if len(certificates) != 1:
        raise CertificateError(
            f"The {label} contains {len(certificates)} certificates, but "
            "InitializeCluster takes exactly one. Pass a single PEM certificate."
        )
    return certificates[0]


def _load_csr(pem: str) -> x509.CertificateSigningRequest:
    try:
        return x509.load_pem_x509_csr(_normalize_pem(pem))
    except ValueError:
        raise CertificateError(
            "The cluster CSR is not a valid PEM-encoded PKCS#10 certificate signing "
            "request. Use the text of Certificates.ClusterCsr from DescribeClusters "
            "unchanged."
        ) from None


def _describe_name(name: x509.Name) -> str:
    return name.rfc4514_string()


def _check_self_signed(anchor: x509.Certificate) -> None:
    subject = _describe_name(anchor.subject)
    if anchor.issuer != anchor.subject:
        raise CertificateError(
            "The TrustAnchor is not a self-signed certificate, because its issuer "
            f"'{_describe_name(anchor.issuer)}' differs from its subject "
            f"'{subject}'. {_PASS_ROOT_HINT}"
        )
    try:
        anchor.verify_directly_issued_by(anchor)
    except InvalidSignature:
        raise CertificateError(
            "The TrustAnchor is not a self-signed certificate, because its signature "
            "does not verify with its own public key, although its issuer and "
            f"subject are both '{subject}'. {_PASS_ROOT_HINT}"
        ) from None
    except (TypeError, ValueError, UnsupportedAlgorithm) as error:
        raise CertificateError(
            "The TrustAnchor signature cannot be verified, because its key type or "
            f"signature algorithm is not supported ({error}). Use a CA with an RSA "
            "or EC key."
        ) from None


def _check_ca_basic_constraints(anchor: x509.Certificate) -> None:
    extensions = _read_extensions(anchor, "TrustAnchor")
    if len(extensions) == 0:
        return
    try:
        constraints = extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise CertificateError(
            "The TrustAnchor has X509v3 extensions but no Basic Constraints "
            "extension. A TrustAnchor with X509v3 extensions must have Basic "
            "Constraints with CA set to true. Add 'basicConstraints=critical,CA:TRUE' "
            "to the CA certificate, or use a CA certificate without extensions."
        ) from None
    if not constraints.ca:
        raise CertificateError(
            "The TrustAnchor is not a CA certificate, because its Basic Constraints "
            f"extension has CA set to false. {_PASS_ROOT_HINT}"
        )


def _read_extensions(certificate: x509.Certificate, label: str) -> x509.Extensions:
    # cryptography parses extensions on first access, not when it loads the PEM.
    try:
        return certificate.extensions
    except (
        ValueError,
        x509.DuplicateExtension,
        x509.UnsupportedGeneralNameType,
    ) as error:
        raise CertificateError(
            f"The {label} contains an X509v3 extension that cannot be parsed "
            f"({error}). Issue the certificate again with valid extensions."
        ) from None


def _check_issued_by_anchor(
    certificate: x509.Certificate, anchor: x509.Certificate
) -> None:
    issuer = _describe_name(certificate.issuer)
    if certificate.issuer != anchor.subject:
        raise CertificateError(
            f"The SignedCert was not issued by the TrustAnchor, because its issuer "
            f"'{issuer}' differs from the TrustAnchor subject "
            f"'{_describe_name(anchor.subject)}'. {_PASS_ROOT_HINT}"
        )
    try:
        certificate.verify_directly_issued_by(anchor)
    except InvalidSignature:
        raise CertificateError(
            "The SignedCert was not signed by the TrustAnchor, because its signature "
            "does not verify with the TrustAnchor public key, although its issuer "
            f"'{issuer}' matches the TrustAnchor subject. Another CA with the same "
            f"name may have signed it. {_PASS_ROOT_HINT}"
        ) from None
    except (TypeError, ValueError, UnsupportedAlgorithm) as error:
        raise CertificateError(
            "The SignedCert signature cannot be verified with the TrustAnchor, "
            f"because the key type or signature algorithm is not supported ({error}). "
            "Sign the cluster CSR with a CA that has an RSA or EC key."
        ) from None


def _check_public_key_matches(
    certificate: x509.Certificate, csr: x509.CertificateSigningRequest
) -> None:
    expected = _public_key_der(csr.public_key())
    try:
        actual = _public_key_der(certificate.public_key())
    except (ValueError, UnsupportedAlgorithm):
        # A key that cryptography cannot load cannot equal the CSR key, which it did.
        actual = b""
    if actual != expected:
        raise CertificateError(
            "The SignedCert does not contain the public key of the cluster CSR. "
            "Sign the CSR from DescribeClusters Certificates.ClusterCsr."
        )


def _public_key_der(public_key: CertificatePublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def _check_validity(
    certificate: x509.Certificate, label: str, now: datetime.datetime
) -> None:
    start = certificate.not_valid_before_utc
    end = certificate.not_valid_after_utc
    if now < start:
        raise CertificateError(
            f"The {label} is not valid yet, because its validity period starts at "
            f"{_describe_time(start)}. Issue a certificate whose validity period "
            "includes the current time."
        )
    if now > end:
        raise CertificateError(
            f"The {label} expired at {_describe_time(end)}. Issue a certificate "
            "whose validity period includes the current time."
        )


def _describe_time(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
