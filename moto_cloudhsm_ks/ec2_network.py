"""Subnets, security groups and network interfaces in moto's EC2.

Touches moto internals: reads and changes `moto.ec2.models.ec2_backends` directly,
because CloudHSM and KMS create these resources on the customer's behalf.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.exceptions import InvalidNetworkInterfaceIdError
from moto.ec2.models import ec2_backends

# CloudHSM clients and KMS reach the HSMs on TCP ports 2223 to 2225 (CloudHSM User
# Guide, configure-sg).
HSM_PORT_FROM = 2223
HSM_PORT_TO = 2225


def _ec2(account_id: str, region_name: str) -> Any:
    return ec2_backends[account_id][region_name]


def find_subnet(account_id: str, region_name: str, subnet_id: str) -> Any | None:
    """Return moto's subnet object, or None if it does not exist."""
    for subnets in _ec2(account_id, region_name).subnets.values():
        if subnet_id in subnets:
            return subnets[subnet_id]
    return None


def free_address_count(subnet: Any) -> int:
    return int(subnet.available_ip_address_count)


def _self_referencing_rule(group_id: str) -> list[dict[str, str]]:
    return [{"GroupId": group_id}]


def create_cluster_security_group(
    account_id: str, region_name: str, name: str, vpc_id: str, description: str
) -> str:
    """Create a security group that lets its members talk on the HSM ports."""
    ec2 = _ec2(account_id, region_name)
    group = ec2.create_security_group(name, description, vpc_id=vpc_id)
    for authorize in (
        ec2.authorize_security_group_ingress,
        ec2.authorize_security_group_egress,
    ):
        authorize(
            group.id,
            "tcp",
            str(HSM_PORT_FROM),
            str(HSM_PORT_TO),
            [],
            source_groups=_self_referencing_rule(group.id),
            vpc_id=vpc_id,
        )
    return str(group.id)


def _allows_hsm_ports(rules: list[Any], group_id: str) -> bool:
    for rule in rules:
        if rule.ip_protocol not in ("tcp", "6", "-1"):
            continue
        if rule.ip_protocol != "-1" and not (
            int(rule.from_port) <= HSM_PORT_FROM and int(rule.to_port) >= HSM_PORT_TO
        ):
            continue
        if rule.source_group.get("GroupId") == group_id:
            return True
    return False


def security_group_allows_hsm_traffic(
    account_id: str, region_name: str, group_id: str
) -> bool:
    """Tell whether the group has the self-referencing 2223-2225 rules both ways."""
    group = _ec2(account_id, region_name).get_security_group_from_id(group_id)
    if group is None:
        return False
    return _allows_hsm_ports(group.ingress_rules, group_id) and _allows_hsm_ports(
        group.egress_rules, group_id
    )


def delete_security_group(account_id: str, region_name: str, group_id: str) -> None:
    ec2 = _ec2(account_id, region_name)
    if ec2.get_security_group_from_id(group_id) is not None:
        ec2.delete_security_group(group_id=group_id)


def create_interface(
    account_id: str,
    region_name: str,
    subnet: Any,
    description: str,
    group_ids: list[str],
    address: str | None = None,
) -> tuple[str, str]:
    """Create an ENI in the subnet and return its ID and private address.

    Raises a plain Exception, as moto does, for an address outside the subnet or
    already in use.
    """
    ec2 = _ec2(account_id, region_name)
    used = _used_addresses(ec2, subnet)
    if address is None:
        address = _first_free_address(subnet, used)
    elif address in used:
        raise Exception("IP already in use")
    # Reserve the address, so moto's own allocations in the subnet skip it.
    subnet.request_ip(address, None)
    eni = ec2.create_network_interface(
        subnet, address, group_ids=group_ids, description=description
    )
    return str(eni.id), str(eni.private_ip_address)


def _used_addresses(ec2: Any, subnet: Any) -> set[str]:
    # moto gives an ENI created without an address a random one, and does not
    # record it in the subnet, so both sources count.
    used = set(subnet._subnet_ips)
    for eni in ec2.get_all_network_interfaces():
        if eni.subnet.id == subnet.id:
            used.update(
                item["PrivateIpAddress"]
                for item in eni.private_ip_addresses
                if isinstance(item, dict)
            )
            used.add(eni.private_ip_address)
    return used


def _first_free_address(subnet: Any, used: set[str]) -> str:
    # AWS reserves the first four addresses and the last one of every subnet.
    hosts = list(subnet.cidr.hosts())[3:]
    for host in hosts:
        if str(host) not in used:
            return str(host)
    raise Exception(f"Subnet {subnet.id} has no free IP address")


def delete_interface(account_id: str, region_name: str, eni_id: str) -> None:
    ec2 = _ec2(account_id, region_name)
    try:
        eni = ec2.get_network_interface(eni_id)
    except InvalidNetworkInterfaceIdError:
        return
    if eni.private_ip_address:
        eni.subnet.del_subnet_ip(eni.private_ip_address)
    ec2.delete_network_interface(eni_id)
