"""Create, connect and inspect a CloudHSM key store in a plain script.

`with mock_kms():` mocks AWS for the block, and `provision_cluster()` builds an
ACTIVE cluster with two HSMs and a kmsuser in one call. Nothing reaches AWS, so
the script needs no account: run `python examples/script_context_manager.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from moto.moto_api import state_manager

from moto_cloudhsm_ks import mock_kms
from moto_cloudhsm_ks.provisioning import provision_cluster

if TYPE_CHECKING:
    from mypy_boto3_kms.client import KMSClient

KEY_STORE_MODEL = "kms::customkeystore"


def wait_until_connected(kms: KMSClient, store_id: str) -> list[str]:
    """Describe the store until it leaves CONNECTING and return the states seen."""
    states: list[str] = []
    while not states or states[-1] == "CONNECTING":
        response = kms.describe_custom_key_stores(CustomKeyStoreId=store_id)
        states.append(response["CustomKeyStores"][0]["ConnectionState"])
    return states


def main() -> None:
    with mock_kms():
        cluster = provision_cluster()
        print(f"Cluster {cluster.cluster_id} has HSMs {', '.join(cluster.hsm_ids)}")

        kms: KMSClient = boto3.client("kms", region_name=cluster.region_name)
        store_id = kms.create_custom_key_store(
            CustomKeyStoreName="ExampleCloudHSMKeyStore",
            CloudHsmClusterId=cluster.cluster_id,
            TrustAnchorCertificate=cluster.trust_anchor,
            KeyStorePassword=cluster.kmsuser_password,
        )["CustomKeyStoreId"]
        print(f"Created custom key store {store_id}")

        # KMS takes minutes to connect a store. Keep it CONNECTING for three
        # describe calls, as a polling loop would see it.
        state_manager.set_transition(
            KEY_STORE_MODEL, {"progression": "manual", "times": 3}
        )
        try:
            kms.connect_custom_key_store(CustomKeyStoreId=store_id)
            print(
                f"Connection states: {' -> '.join(wait_until_connected(kms, store_id))}"
            )
        finally:
            state_manager.unset_transition(KEY_STORE_MODEL)

        kms.disconnect_custom_key_store(CustomKeyStoreId=store_id)
        kms.delete_custom_key_store(CustomKeyStoreId=store_id)
        remaining = kms.describe_custom_key_stores()["CustomKeyStores"]
        print(f"Deleted it; {len(remaining)} custom key stores remain")
    print("The mock is stopped: it removed the cluster and sent nothing to AWS.")


if __name__ == "__main__":
    main()
