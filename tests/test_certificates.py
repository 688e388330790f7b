"""Tests of the mocked HSM identity and the InitializeCluster certificate checks."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from moto_cloudhsm_ks.certificates import (
    CertificateAuthority,
    CertificateError,
    HsmIdentity,
    create_certificate_authority,
    create_hsm_identity,
    default_certificate_authority,
    same_certificate,
    verify_cluster_certificates,
)

CLUSTER_ID = "cluster-igklspoyj5v"
HSM_ID = "hsm-ted36yp5b2x"
DEFAULT_CA_NAME = "CN=moto-cloudhsm-ks test CA"
NOW = datetime.datetime.now(datetime.timezone.utc)
ONE_DAY = datetime.timedelta(days=1)

PASS_ROOT_HINT = "Pass the root certificate of the CA that signed the cluster CSR."
WRONG_KEY_MESSAGE = (
    "The SignedCert does not contain the public key of the cluster CSR. "
    "Sign the CSR from DescribeClusters Certificates.ClusterCsr."
)

GARBAGE_PEM = [
    "",
    "not a certificate",
    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----",
    "-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n",
]


@pytest.fixture(scope="module")
def identity() -> HsmIdentity:
    return create_hsm_identity(CLUSTER_ID, HSM_ID)


@pytest.fixture(scope="module")
def other_identity() -> HsmIdentity:
    return create_hsm_identity("cluster-abcdefghijk", "hsm-abcdefghijk")


@pytest.fixture(scope="module")
def spare_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def ca() -> CertificateAuthority:
    return default_certificate_authority()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _build(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey,
    issuer: x509.Name,
    signing_key: rsa.RSAPrivateKey,
    not_before: datetime.datetime = NOW - ONE_DAY,
    not_after: datetime.datetime = NOW + 30 * ONE_DAY,
    extensions: tuple[tuple[x509.ExtensionType, bool], ...] = (),
) -> str:
    """Return a PEM certificate built field by field, for cases a CA would not issue."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    certificate = builder.sign(signing_key, hashes.SHA256())
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def _self_signed(
    key: rsa.RSAPrivateKey,
    common_name: str = "customer root",
    *,
    not_after: datetime.datetime = NOW + 30 * ONE_DAY,
    extensions: tuple[tuple[x509.ExtensionType, bool], ...] = (),
) -> str:
    return _build(
        subject=_name(common_name),
        public_key=key.public_key(),
        issuer=_name(common_name),
        signing_key=key,
        not_after=not_after,
        extensions=extensions,
    )


def _csr_public_key(csr_pem: str) -> rsa.RSAPublicKey:
    public_key = x509.load_pem_x509_csr(csr_pem.encode()).public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    return public_key


def _sign_with(
    csr_pem: str,
    issuer_common_name: str,
    signing_key: rsa.RSAPrivateKey,
    *,
    not_before: datetime.datetime = NOW - ONE_DAY,
    not_after: datetime.datetime = NOW + 30 * ONE_DAY,
) -> str:
    """Return a certificate for the CSR's key, issued under the given name and key."""
    return _build(
        subject=_name(CLUSTER_ID),
        public_key=_csr_public_key(csr_pem),
        issuer=_name(issuer_common_name),
        signing_key=signing_key,
        not_before=not_before,
        not_after=not_after,
    )


def _load(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def _public_der(certificate_or_key: x509.Certificate | rsa.RSAPublicKey) -> bytes:
    if isinstance(certificate_or_key, x509.Certificate):
        public_key = certificate_or_key.public_key()
    else:
        public_key = certificate_or_key
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _rejection(cluster_csr: str, signed_cert: str, trust_anchor: str) -> str:
    with pytest.raises(CertificateError) as excinfo:
        verify_cluster_certificates(cluster_csr, signed_cert, trust_anchor)
    return str(excinfo.value)


# HSM identity


def test_identity_csr_names_cluster(identity: HsmIdentity) -> None:
    csr = x509.load_pem_x509_csr(identity.cluster_csr.encode())
    common_names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)

    assert csr.is_signature_valid
    assert [attribute.value for attribute in common_names] == [CLUSTER_ID]
    assert _public_der(_csr_public_key(identity.cluster_csr)) == _public_der(
        identity.private_key.public_key()
    )


def test_identity_key_is_rsa_2048(identity: HsmIdentity) -> None:
    assert identity.private_key.key_size == 2048


def test_identity_hsm_cert_chains_to_aws_root(identity: HsmIdentity) -> None:
    hsm_certificate = _load(identity.hsm_certificate)
    aws_root = _load(identity.aws_hardware_certificate)

    hsm_certificate.verify_directly_issued_by(aws_root)
    assert hsm_certificate.issuer == aws_root.subject
    assert hsm_certificate.subject == _name(HSM_ID)


def test_identity_hsm_cert_carries_csr_key(identity: HsmIdentity) -> None:
    hsm_certificate = _load(identity.hsm_certificate)

    assert _public_der(hsm_certificate) == _public_der(
        _csr_public_key(identity.cluster_csr)
    )


def test_identity_roots_are_self_signed_cas(identity: HsmIdentity) -> None:
    for pem in (
        identity.aws_hardware_certificate,
        identity.manufacturer_hardware_certificate,
    ):
        root = _load(pem)
        constraints = root.extensions.get_extension_for_class(x509.BasicConstraints)

        root.verify_directly_issued_by(root)
        assert constraints.value.ca
        assert constraints.critical


def test_identity_roots_differ(identity: HsmIdentity) -> None:
    aws_root = _load(identity.aws_hardware_certificate)
    manufacturer_root = _load(identity.manufacturer_hardware_certificate)

    assert aws_root.subject != manufacturer_root.subject
    assert _public_der(aws_root) != _public_der(manufacturer_root)


def test_identity_shares_roots_not_keys(
    identity: HsmIdentity, other_identity: HsmIdentity
) -> None:
    assert identity.aws_hardware_certificate == other_identity.aws_hardware_certificate
    assert (
        identity.manufacturer_hardware_certificate
        == other_identity.manufacturer_hardware_certificate
    )
    assert _public_der(identity.private_key.public_key()) != _public_der(
        other_identity.private_key.public_key()
    )


# Certificate authority helpers


def test_default_ca_is_cached() -> None:
    assert default_certificate_authority() is default_certificate_authority()


def test_create_ca_is_self_signed_ca() -> None:
    authority = create_certificate_authority("example CA")
    certificate = _load(authority.certificate_pem)
    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)

    certificate.verify_directly_issued_by(certificate)
    assert certificate.subject == _name("example CA")
    assert constraints.value.ca
    assert constraints.critical
    assert authority.private_key.key_size == 2048
    assert _public_der(certificate) == _public_der(authority.private_key.public_key())


def test_sign_csr_copies_subject_and_key(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    certificate = _load(ca.sign_csr(identity.cluster_csr, days=30))
    lifetime = certificate.not_valid_after_utc - NOW

    certificate.verify_directly_issued_by(_load(ca.certificate_pem))
    assert certificate.subject == _name(CLUSTER_ID)
    assert _public_der(certificate) == _public_der(
        _csr_public_key(identity.cluster_csr)
    )
    assert datetime.timedelta(days=29) < lifetime <= datetime.timedelta(days=31)


def test_sign_csr_rejects_garbage(ca: CertificateAuthority) -> None:
    with pytest.raises(CertificateError, match="not a valid PEM-encoded PKCS#10"):
        ca.sign_csr("not a CSR")


def test_sign_csr_rejects_zero_days(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    with pytest.raises(ValueError, match=r"^days must be at least 1, got 0\.$"):
        ca.sign_csr(identity.cluster_csr, days=0)


# verify_cluster_certificates: accepted input


def test_verify_accepts_correct_chain(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    signed_cert = ca.sign_csr(identity.cluster_csr)

    verify_cluster_certificates(identity.cluster_csr, signed_cert, ca.certificate_pem)


def test_verify_accepts_crlf_and_indented_pem(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    signed_cert = ca.sign_csr(identity.cluster_csr).replace("\n", "\r\n")
    trust_anchor = "\n".join(
        f"  {line}  \n" for line in ca.certificate_pem.splitlines()
    )

    verify_cluster_certificates(identity.cluster_csr, signed_cert, trust_anchor)


def test_verify_accepts_anchor_without_extensions(
    identity: HsmIdentity, spare_key: rsa.RSAPrivateKey
) -> None:
    trust_anchor = _self_signed(spare_key)
    signed_cert = _sign_with(identity.cluster_csr, "customer root", spare_key)

    verify_cluster_certificates(identity.cluster_csr, signed_cert, trust_anchor)


# verify_cluster_certificates: TrustAnchor rules


def test_verify_rejects_anchor_not_self_signed(
    identity: HsmIdentity, ca: CertificateAuthority, spare_key: rsa.RSAPrivateKey
) -> None:
    intermediate = _build(
        subject=_name("customer intermediate"),
        public_key=spare_key.public_key(),
        issuer=_load(ca.certificate_pem).subject,
        signing_key=ca.private_key,
        extensions=((x509.BasicConstraints(ca=True, path_length=None), True),),
    )
    signed_cert = _sign_with(identity.cluster_csr, "customer intermediate", spare_key)

    message = _rejection(identity.cluster_csr, signed_cert, intermediate)

    assert message == (
        "The TrustAnchor is not a self-signed certificate, because its issuer "
        f"'{DEFAULT_CA_NAME}' differs from its subject 'CN=customer intermediate'. "
        f"{PASS_ROOT_HINT}"
    )


def test_verify_rejects_anchor_signed_by_other_key(
    identity: HsmIdentity, ca: CertificateAuthority, spare_key: rsa.RSAPrivateKey
) -> None:
    # Issuer and subject match, but another key made the signature.
    trust_anchor = _build(
        subject=_name("customer root"),
        public_key=spare_key.public_key(),
        issuer=_name("customer root"),
        signing_key=ca.private_key,
    )
    signed_cert = _sign_with(identity.cluster_csr, "customer root", spare_key)

    message = _rejection(identity.cluster_csr, signed_cert, trust_anchor)

    assert message == (
        "The TrustAnchor is not a self-signed certificate, because its signature "
        "does not verify with its own public key, although its issuer and subject "
        f"are both 'CN=customer root'. {PASS_ROOT_HINT}"
    )


def test_verify_rejects_anchor_without_basic_constraints(
    identity: HsmIdentity, spare_key: rsa.RSAPrivateKey
) -> None:
    key_identifier = x509.SubjectKeyIdentifier.from_public_key(spare_key.public_key())
    trust_anchor = _self_signed(spare_key, extensions=((key_identifier, False),))
    signed_cert = _sign_with(identity.cluster_csr, "customer root", spare_key)

    message = _rejection(identity.cluster_csr, signed_cert, trust_anchor)

    assert message == (
        "The TrustAnchor has X509v3 extensions but no Basic Constraints extension. "
        "A TrustAnchor with X509v3 extensions must have Basic Constraints with CA "
        "set to true. Add 'basicConstraints=critical,CA:TRUE' to the CA "
        "certificate, or use a CA certificate without extensions."
    )


def test_verify_rejects_anchor_with_ca_false(
    identity: HsmIdentity, spare_key: rsa.RSAPrivateKey
) -> None:
    constraints = x509.BasicConstraints(ca=False, path_length=None)
    trust_anchor = _self_signed(spare_key, extensions=((constraints, True),))
    signed_cert = _sign_with(identity.cluster_csr, "customer root", spare_key)

    message = _rejection(identity.cluster_csr, signed_cert, trust_anchor)

    assert message == (
        "The TrustAnchor is not a CA certificate, because its Basic Constraints "
        f"extension has CA set to false. {PASS_ROOT_HINT}"
    )


def test_verify_rejects_expired_anchor(
    identity: HsmIdentity, spare_key: rsa.RSAPrivateKey
) -> None:
    expired_at = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    trust_anchor = _build(
        subject=_name("customer root"),
        public_key=spare_key.public_key(),
        issuer=_name("customer root"),
        signing_key=spare_key,
        not_before=expired_at - ONE_DAY,
        not_after=expired_at,
    )
    signed_cert = _sign_with(identity.cluster_csr, "customer root", spare_key)

    message = _rejection(identity.cluster_csr, signed_cert, trust_anchor)

    assert message == (
        "The TrustAnchor expired at 2020-01-02 03:04:05 UTC. Issue a certificate "
        "whose validity period includes the current time."
    )


def test_verify_rejects_anchor_chain(
    identity: HsmIdentity, ca: CertificateAuthority, spare_key: rsa.RSAPrivateKey
) -> None:
    signed_cert = ca.sign_csr(identity.cluster_csr)
    trust_anchor = ca.certificate_pem + _self_signed(spare_key)

    message = _rejection(identity.cluster_csr, signed_cert, trust_anchor)

    assert message == (
        "The TrustAnchor contains 2 certificates, but InitializeCluster takes "
        "exactly one. Pass a single PEM certificate."
    )


# verify_cluster_certificates: SignedCert rules


def test_verify_rejects_cert_signed_by_other_ca(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    # Same subject name as the default CA, different key.
    impostor = create_certificate_authority()
    signed_cert = impostor.sign_csr(identity.cluster_csr)

    message = _rejection(identity.cluster_csr, signed_cert, ca.certificate_pem)

    assert _load(impostor.certificate_pem).subject == _load(ca.certificate_pem).subject
    assert message == (
        "The SignedCert was not signed by the TrustAnchor, because its signature "
        "does not verify with the TrustAnchor public key, although its issuer "
        f"'{DEFAULT_CA_NAME}' matches the TrustAnchor subject. Another CA with the "
        f"same name may have signed it. {PASS_ROOT_HINT}"
    )


def test_verify_rejects_cert_from_other_issuer_name(
    identity: HsmIdentity, ca: CertificateAuthority, spare_key: rsa.RSAPrivateKey
) -> None:
    signed_cert = _sign_with(identity.cluster_csr, "customer root", spare_key)

    message = _rejection(identity.cluster_csr, signed_cert, ca.certificate_pem)

    assert message == (
        "The SignedCert was not issued by the TrustAnchor, because its issuer "
        "'CN=customer root' differs from the TrustAnchor subject "
        f"'{DEFAULT_CA_NAME}'. {PASS_ROOT_HINT}"
    )


def test_verify_rejects_cert_for_other_key(
    identity: HsmIdentity, other_identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    signed_cert = ca.sign_csr(other_identity.cluster_csr)

    message = _rejection(identity.cluster_csr, signed_cert, ca.certificate_pem)

    assert message == WRONG_KEY_MESSAGE


def test_verify_rejects_anchor_passed_as_cert(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    message = _rejection(identity.cluster_csr, ca.certificate_pem, ca.certificate_pem)

    assert message == WRONG_KEY_MESSAGE


def test_verify_rejects_expired_cert(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    expired_at = datetime.datetime(2021, 6, 7, 8, 9, 10, tzinfo=datetime.timezone.utc)
    signed_cert = _sign_with(
        identity.cluster_csr,
        "moto-cloudhsm-ks test CA",
        ca.private_key,
        not_before=expired_at - ONE_DAY,
        not_after=expired_at,
    )

    message = _rejection(identity.cluster_csr, signed_cert, ca.certificate_pem)

    assert message == (
        "The SignedCert expired at 2021-06-07 08:09:10 UTC. Issue a certificate "
        "whose validity period includes the current time."
    )


def test_verify_rejects_cert_not_yet_valid(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    starts_at = datetime.datetime(2999, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    signed_cert = _sign_with(
        identity.cluster_csr,
        "moto-cloudhsm-ks test CA",
        ca.private_key,
        not_before=starts_at,
        not_after=starts_at + ONE_DAY,
    )

    message = _rejection(identity.cluster_csr, signed_cert, ca.certificate_pem)

    assert message == (
        "The SignedCert is not valid yet, because its validity period starts at "
        "2999-01-02 03:04:05 UTC. Issue a certificate whose validity period "
        "includes the current time."
    )


# verify_cluster_certificates: unparsable input


@pytest.mark.parametrize("garbage", GARBAGE_PEM)
def test_verify_rejects_garbage_signed_cert(
    identity: HsmIdentity, ca: CertificateAuthority, garbage: str
) -> None:
    message = _rejection(identity.cluster_csr, garbage, ca.certificate_pem)

    assert message == (
        "The SignedCert is not a valid PEM-encoded X.509 certificate. Pass the "
        "certificate in PEM format, from '-----BEGIN CERTIFICATE-----' through "
        "'-----END CERTIFICATE-----'."
    )


def test_verify_rejects_csr_as_signed_cert(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    message = _rejection(identity.cluster_csr, identity.cluster_csr, ca.certificate_pem)

    assert message.startswith(
        "The SignedCert is not a valid PEM-encoded X.509 certificate."
    )


def test_verify_rejects_der_signed_cert(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    der = _load(ca.sign_csr(identity.cluster_csr)).public_bytes(
        serialization.Encoding.DER
    )

    message = _rejection(
        identity.cluster_csr, der.decode("latin-1"), ca.certificate_pem
    )

    assert message.startswith(
        "The SignedCert is not a valid PEM-encoded X.509 certificate."
    )


@pytest.mark.parametrize("garbage", GARBAGE_PEM)
def test_verify_rejects_garbage_trust_anchor(
    identity: HsmIdentity, ca: CertificateAuthority, garbage: str
) -> None:
    signed_cert = ca.sign_csr(identity.cluster_csr)

    message = _rejection(identity.cluster_csr, signed_cert, garbage)

    assert message == (
        "The TrustAnchor is not a valid PEM-encoded X.509 certificate. Pass the "
        "certificate in PEM format, from '-----BEGIN CERTIFICATE-----' through "
        "'-----END CERTIFICATE-----'."
    )


@pytest.mark.parametrize("garbage", [*GARBAGE_PEM, "-----BEGIN CERTIFICATE REQUEST-"])
def test_verify_rejects_garbage_cluster_csr(
    identity: HsmIdentity, ca: CertificateAuthority, garbage: str
) -> None:
    signed_cert = ca.sign_csr(identity.cluster_csr)

    message = _rejection(garbage, signed_cert, ca.certificate_pem)

    assert message == (
        "The cluster CSR is not a valid PEM-encoded PKCS#10 certificate signing "
        "request. Use the text of Certificates.ClusterCsr from DescribeClusters "
        "unchanged."
    )


# same_certificate


def test_same_certificate_identical_text(ca: CertificateAuthority) -> None:
    assert same_certificate(ca.certificate_pem, ca.certificate_pem)


def test_same_certificate_ignores_crlf(ca: CertificateAuthority) -> None:
    crlf = ca.certificate_pem.replace("\n", "\r\n")

    assert same_certificate(ca.certificate_pem, crlf)


def test_same_certificate_ignores_extra_whitespace(ca: CertificateAuthority) -> None:
    lines = ca.certificate_pem.splitlines()
    reformatted = "\n\n  " + "\n\t\n".join(f" {line}\t " for line in lines) + "\n\n"

    assert same_certificate(reformatted, ca.certificate_pem)


def test_same_certificate_ignores_line_width(ca: CertificateAuthority) -> None:
    lines = ca.certificate_pem.splitlines()
    body = "".join(lines[1:-1])
    rewrapped = "\n".join([lines[0], body, lines[-1]])

    assert same_certificate(ca.certificate_pem, rewrapped)


def test_same_certificate_different_cert(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    assert not same_certificate(ca.certificate_pem, identity.hsm_certificate)


def test_same_certificate_reissued_cert(
    identity: HsmIdentity, ca: CertificateAuthority
) -> None:
    # Two certificates issued for one CSR share key and subject but differ in serial.
    first = ca.sign_csr(identity.cluster_csr)
    second = ca.sign_csr(identity.cluster_csr)

    assert not same_certificate(first, second)


@pytest.mark.parametrize("garbage", GARBAGE_PEM)
def test_same_certificate_garbage(ca: CertificateAuthority, garbage: str) -> None:
    assert not same_certificate(garbage, ca.certificate_pem)
    assert not same_certificate(ca.certificate_pem, garbage)
    assert not same_certificate(garbage, garbage)
